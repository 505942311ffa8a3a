// L2 and scenario 1 in alternating rounds, after the same warm-up for both: the speed of a shared
// machine drifts over the minutes of a run, and alternating puts that drift on both sides of the
// ratio; warming both alike keeps a fresh worker's first emails (dearer in CPU than its later ones) out
// of one side only.
import type { Client } from '@temporalio/client';
import { cpuMs } from '../context.js';
import { percentile } from '../stats.js';
import { floor } from './floor.js';
import { withServerCpu } from './server-cost.js';
import { singlePath } from './single.js';

export interface PairedOptions {
  client: Client;
  api: string;
  rounds: number;
  /** Runs of each, over all rounds. */
  l2: number;
  single: number;
  serverCpu: () => number;
  pids: { floorWorker: number; worker: number; api: number };
}

export async function pairedRounds(o: PairedOptions) {
  const l2Each = Math.ceil(o.l2 / o.rounds);
  const singleEach = Math.ceil(o.single / o.rounds);
  const l2 = { n: 0, seconds: 0, serverCpu: 0, workerCpu: 0 };
  const single = { n: 0, seconds: 0, serverCpu: 0, workerCpu: 0, apiCpu: 0, latencies: [] as number[] };
  const rounds: { l2: number; single: number }[] = [];
  for (let r = 0; r < o.rounds; r++) {
    let worker = cpuMs(o.pids.floorWorker);
    const l2Run = await withServerCpu(o.serverCpu, () => floor(o.client, l2Each, `floor-${r}`));
    l2.serverCpu += l2Run.cpuMs;
    l2.workerCpu += cpuMs(o.pids.floorWorker) - worker;
    l2.n += l2Each;
    l2.seconds += l2Each / l2Run.value;

    worker = cpuMs(o.pids.worker);
    const api = cpuMs(o.pids.api);
    const { value: s, cpuMs: server } = await withServerCpu(o.serverCpu, () => singlePath(o.api, singleEach, `single-${r}`));
    single.serverCpu += server;
    single.workerCpu += cpuMs(o.pids.worker) - worker;
    single.apiCpu += cpuMs(o.pids.api) - api;
    single.n += singleEach;
    single.seconds += s.seconds;
    single.latencies.push(...s.latencies);
    rounds.push({ l2: l2Run.value, single: s.perSecond });
  }
  return {
    rounds,
    l2: { perSecond: l2.n / l2.seconds, serverCpuMs: l2.serverCpu / l2.n, workerCpuMs: l2.workerCpu / l2.n, ids: Array.from({ length: l2Each }, (_, i) => `floor-0-${i}`) },
    single: {
      perSecond: single.n / single.seconds,
      serverCpuMs: single.serverCpu / single.n,
      workerCpuMs: single.workerCpu / single.n,
      apiCpuMs: single.apiCpu / single.n,
      p50: percentile(single.latencies, 50),
      p99: percentile(single.latencies, 99),
      keys: Array.from({ length: singleEach }, (_, i) => `single-0-${i}`),
    },
  };
}
