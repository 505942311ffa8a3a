// Scenario 6: the batch path. `requests` POST /messages of 100 messages each, all sent at once, until
// every email is at the sink; each request is one BatchSendWorkflow.
import { percentile } from '../stats.js';
import { arrivals, delivered, emailMessageId, sample } from '../context.js';

export const BATCH_SIZE = 100;

export async function batchPath(api: string, requests: number, prefix: string) {
  const keys = Array.from({ length: requests * BATCH_SIZE }, (_, i) => `${prefix}-${i}`);
  const t0 = Date.now();
  const answers = await Promise.all(
    Array.from({ length: requests }, async (_, r) => {
      const messages = keys.slice(r * BATCH_SIZE, (r + 1) * BATCH_SIZE).map((key) => ({ destinataire: 'owner@example.com', sujet: sample.subject, message: sample.text, idempotency_key: key }));
      const sent = performance.now();
      const res = await fetch(`${api}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages }) });
      const body = (await res.json()) as { queued: number };
      if (res.status !== 202 || body.queued !== BATCH_SIZE) throw new Error(`POST /messages answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
      return performance.now() - sent;
    }),
  );
  const end = await delivered(keys.map(emailMessageId), 'batch path');
  const latencies = keys.map((k) => arrivals.get(emailMessageId(k))! - t0);
  return { perSecond: keys.length / ((end - t0) / 1000), postP50: percentile(answers, 50), p99: percentile(latencies, 99) };
}
