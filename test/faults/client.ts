// A well-behaved client: it retries a 503 with the same Idempotency-Key, as the API asks it to.
export interface SendOutcome {
  accepted: string[];
  unavailable: number;
  refused: number;
}

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
