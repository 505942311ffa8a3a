// Scenario 5: crash duplicates. N emails queued while no worker runs; then a worker drains them and
// is killed (SIGKILL) `kills` times along the way, a new one started after each kill. Lost and
// duplicated emails are counted at the sink by Message-ID.
import type { ChildProcess } from 'node:child_process';
import { stopChild } from '../../src/dev/temporal-server.js';
import { arrivalCounts, arrivals, delivered, emailMessageId, limited, log, post, sleep, STARTS_IN_FLIGHT } from '../context.js';

export async function crashDuplicates(api: string, n: number, kills: number, startWorker: () => Promise<ChildProcess>, prefix: string) {
  await limited(n, STARTS_IN_FLIGHT, async (i) => {
    const status = await post(api, `${prefix}-${i}`);
    if (status !== 202) throw new Error(`POST /message answered ${status}`);
  });
  const ids = Array.from({ length: n }, (_, i) => emailMessageId(`${prefix}-${i}`));
  const got = () => ids.filter((id) => arrivals.has(id)).length;
  let worker = await startWorker();
  for (let k = 1; k <= kills; k++) {
    // Kill while draining: after about k/(kills+1) of the emails have arrived.
    const at = Math.floor((n * k) / (kills + 1));
    while (got() < at) await sleep(5);
    worker.kill('SIGKILL');
    await stopChild(worker);
    log(`  SIGKILL ${k}/${kills} at ${got()}/${n} delivered`);
    worker = await startWorker();
  }
  await delivered(ids, 'crash scenario', 10 * 60_000).catch(() => 0);
  // Late duplicates (a retried attempt) arrive after the last first copy: give them a moment.
  await sleep(2_000);
  const lost = ids.filter((id) => !arrivals.has(id)).length;
  const duplicates = ids.reduce((sum, id) => sum + Math.max(0, (arrivalCounts.get(id) ?? 0) - 1), 0);
  return { lost, duplicates, worker };
}
