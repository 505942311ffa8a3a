// A well-behaved client: it retries a 503 with the same Idempotency-Key, as the API asks it to.
// And the count at the sink, by Message-ID.
import type { MailCatcher } from '../../src/mailcatcher/catcher.js';

export interface SendOutcome {
  accepted: string[];
  unavailable: number;
  refused: number;
}

export interface Counted {
  accepted: number;
  delivered: number;
  lost: number;
  duplicates: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sendMany(api: string, n: number, perSecond: number, tag: string, during?: (i: number) => Promise<void>): Promise<SendOutcome> {
  const out: SendOutcome = { accepted: [], unavailable: 0, refused: 0 };
  const sends: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    sends.push(sendOne(api, `${tag}-${i}`, out));
    await during?.(i);
    await new Promise((r) => setTimeout(r, 1000 / perSecond));
  }
  await Promise.all(sends);
  return out;
}

async function sendOne(api: string, key: string, out: SendOutcome): Promise<void> {
  const body = JSON.stringify({ destinataire: `${key}@faults.example`, sujet: key, message: 'fault suite' });
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      const res = await fetch(`${api}/message`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body });
      if (res.status === 202) {
        out.accepted.push(`message-${key}`);
        return;
      }
      if (res.status === 503) out.unavailable++;
      else {
        out.refused++;
        return;
      }
    } catch {
      out.unavailable++;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until every accepted email is at the sink (or the time is up), then counts by Message-ID. */
export async function count(sink: MailCatcher, accepted: string[], timeoutMs = 240_000): Promise<Counted> {
  const ids = new Set(accepted.map((id) => `<${id}@polplana.work>`));
  const tally = () => {
    const seen = new Map<string, number>();
    for (const m of sink.messages) if (m.messageId && ids.has(m.messageId)) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
    return seen;
  };
  const deadline = Date.now() + timeoutMs;
  while (tally().size < ids.size && Date.now() < deadline) await sleep(500);
  const seen = tally();
  const copies = [...seen.values()].reduce((a, b) => a + b, 0);
  return { accepted: ids.size, delivered: seen.size, lost: ids.size - seen.size, duplicates: copies - seen.size };
}
