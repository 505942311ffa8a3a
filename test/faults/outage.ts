// One part of the stack down while 100 POST /message arrive: down after request 25, up again after
// request 55 once it has been down at least `minDownMs` (whatever the machine's speed). Requests
// meanwhile get 503 and the client retries them with the same Idempotency-Key.
import type { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { count, sendMany, type Counted, type SendOutcome } from './client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function duringOutage(
  api: string,
  sink: MailCatcher,
  opts: { tag: string; minDownMs: number; down(): Promise<void>; up(): Promise<void> },
): Promise<{ counted: Counted; sent: SendOutcome; downMs: number }> {
  let downAt = 0;
  let upAt = 0;
  const sent = await sendMany(api, 100, 20, `${opts.tag}-${Date.now()}`, async (i) => {
    if (i === 25) {
      await opts.down();
      downAt = Date.now();
    }
    if (i === 55) {
      await sleep(Math.max(0, opts.minDownMs - (Date.now() - downAt)));
      await opts.up();
      upAt = Date.now();
    }
  });
  return { counted: await count(sink, sent.accepted), sent, downMs: upAt - downAt };
}
