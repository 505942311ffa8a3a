// L1: pooled nodemailer straight to the sink, as many in flight as the pool takes.
import nodemailer from 'nodemailer';
import { delivered, DOMAIN, log, POOL, sample } from '../context.js';

export async function rawSmtp(port: number, n: number, prefix: string): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: POOL, secure: false, ignoreTLS: true });
  const ids = Array.from({ length: n }, (_, i) => `<${prefix}-${i}@${DOMAIN}>`);
  const t0 = Date.now();
  await Promise.all(ids.map((messageId) => transport.sendMail({ from: 'bench@bench.local', ...sample, html: sample.html!, messageId })));
  const end = await delivered(ids, 'L1 raw SMTP');
  transport.close();
  return n / ((end - t0) / 1000);
}

/** Emails and the seconds they took, summed over rounds; a rate is emails over seconds. */
export interface Tally {
  emails: number;
  seconds: number;
}

const add = (t: Tally, emails: number, perSecond: number) => ({ emails: t.emails + emails, seconds: t.seconds + emails / perSecond });

/**
 * A scenario against L1 in alternating rounds (L1 first in each), as L2 and the single path are paired:
 * L1 takes seconds, and a lone measurement of it at the start of the run is a sample of the machine's speed
 * at that moment only. Each side's rate is its emails over the summed time of its rounds; each round is logged.
 */
export async function againstL1(port: number, rounds: number, l1Each: number, label: string, scenario: (round: number) => Promise<{ emails: number; perSecond: number }>) {
  let l1: Tally = { emails: 0, seconds: 0 };
  let side: Tally = { emails: 0, seconds: 0 };
  // The bench process's L1 code sits unused through the scenarios before; its first round after such a
  // gap ran 13 to 32 % slower than the second in each of four pairs (two full runs), so a short L1 comes first.
  const prefix = label.replace(/\W+/g, '-');
  await rawSmtp(port, Math.min(l1Each, 1000), `${prefix}-l1-warm`);
  for (let r = 0; r < rounds; r++) {
    const l1Rate = await rawSmtp(port, l1Each, `${prefix}-l1-${r}`);
    const s = await scenario(r);
    l1 = add(l1, l1Each, l1Rate);
    side = add(side, s.emails, s.perSecond);
    log(`  round ${r + 1}: L1 ${l1Rate.toFixed(0)} emails/s, ${label} ${s.perSecond.toFixed(0)} emails/s (${(s.perSecond / l1Rate).toFixed(2)})`);
  }
  const perSecond = side.emails / side.seconds;
  return { l1, seconds: side.seconds, emails: side.emails, perSecond, ratio: perSecond / (l1.emails / l1.seconds) };
}
