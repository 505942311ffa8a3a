// Scenario 2: open loop. Requests leave on a fixed timetable, whether or not earlier ones answered.
// `paused` freezes the worker (SIGSTOP) while the requests go out, to see what a start costs alone.
import type { ChildProcess } from 'node:child_process';
import { percentile } from '../stats.js';
import { delivered, emailMessageId, log, post, sleep } from '../context.js';

export async function openLoop(api: string, rate: number, seconds: number, prefix: string, paused?: ChildProcess) {
  paused?.kill('SIGSTOP');
  const n = rate * seconds;
  const latencies: number[] = [];
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    inFlight.push(
      post(api, `${prefix}-${i}`).then(
        (status) => {
          latencies.push(performance.now() - sent);
          if (status !== 202) errors++;
        },
        () => void errors++,
      ),
    );
    if (i % (rate * 5) === 0 && i) log(`  open loop: ${i}/${n} sent`);
  }
  await Promise.all(inFlight);
  const achieved = n / ((performance.now() - start) / 1000);
  paused?.kill('SIGCONT');
  await delivered(Array.from({ length: n }, (_, i) => emailMessageId(`${prefix}-${i}`)), 'open-loop emails');
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies), errors, achieved };
}
