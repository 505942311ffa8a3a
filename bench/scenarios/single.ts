// Scenario 1: N POST /message (50 in flight) until every email is at the sink.
import { percentile } from '../stats.js';
import { arrivals, delivered, emailMessageId, limited, post, STARTS_IN_FLIGHT } from '../context.js';

export async function singlePath(api: string, n: number, prefix: string) {
  const postedAt = new Map<string, number>();
  const t0 = Date.now();
  await limited(n, STARTS_IN_FLIGHT, async (i) => {
    const key = `${prefix}-${i}`;
    postedAt.set(key, Date.now());
    const status = await post(api, key);
    if (status !== 202) throw new Error(`POST /message answered ${status}`);
  });
  const keys = [...postedAt.keys()];
  const end = await delivered(keys.map(emailMessageId), 'single-message path');
  const latencies = keys.map((k) => arrivals.get(emailMessageId(k))! - postedAt.get(k)!);
  return { perSecond: n / ((end - t0) / 1000), seconds: (end - t0) / 1000, latencies, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
