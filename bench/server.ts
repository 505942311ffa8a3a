// The Temporal server a bench run measures: the dev server (`temporal server start-dev`, SQLite file
// with the WAL pragmas, as `npm run dev` starts it) or, with `--server cluster`, the real server on
// PostgreSQL that `npm run test:cluster` starts (4 history shards, deploy/temporal/config.yaml).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureTemporal } from '../scripts/tools.mjs';
import { freePort } from '../src/dev/ports.js';
import { startTemporalDevServer } from '../src/dev/temporal-server.js';
import { startTestCluster, TEMPORAL_SERVER_VERSION, type TestServer } from '../test/support/cluster.js';

export interface BenchServer {
  kind: TestServer;
  address: string;
  /** What RESULTS.md says of it. */
  description: string;
  /** CPU time the server has used so far, in ms: the process, and for the cluster its PostgreSQL too. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** utime + stime (+ cutime + cstime: children it has reaped) of one process, in ms. */
function processCpuMs(pid: number, withReaped: boolean): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + (withReaped ? Number(f[13]) + Number(f[14]) : 0);
    return (ticks * 1000) / 100; // clock ticks: 100 per second on Linux
  } catch {
    return 0; // the process has gone; its time went to its parent's reaped total
  }
}

/** A process and its live children (PostgreSQL's backends), with what it reaped of the dead ones. */
function treeCpuMs(pid: number): number {
  let total = processCpuMs(pid, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(path.join('/proc', entry, 'stat'), 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === pid) total += processCpuMs(Number(entry), false);
    } catch {
      /* gone while we looked */
    }
  }
  return total;
}

export async function startBenchServer(kind: TestServer, work: string): Promise<BenchServer> {
  if (kind === 'cluster') {
    const cluster = await startTestCluster({ dir: path.join(work, 'cluster') });
    const pidOf = (pid: number | undefined) => (pid ? treeCpuMs(pid) : 0);
    return {
      kind,
      address: cluster.address,
      description: `\`temporal-server\` ${TEMPORAL_SERVER_VERSION} on the embedded PostgreSQL (persistence and visibility), 4 history shards, \`deploy/temporal/config.yaml\` (as \`npm run test:cluster\` starts it); server CPU counts the server process and its PostgreSQL`,
      cpuMs: () => pidOf(cluster.serverPid()) + pidOf(cluster.databasePid()),
      stop: () => cluster.stop(),
    };
  }
  const bin = ensureTemporal({ cliPath: process.env.TEMPORAL_CLI_PATH, pathVar: process.env.PATH });
  const dev = await startTemporalDevServer({ bin, port: await freePort(), headless: true, dbFile: path.join(work, 'temporal.db') });
  return {
    kind,
    address: dev.address,
    description: '`temporal server start-dev` with a SQLite file, `--sqlite-pragma journal_mode=WAL` and `--sqlite-pragma synchronous=OFF` (as `npm run dev` starts it), log level warn',
    cpuMs: () => processCpuMs(dev.process.pid!, true),
    stop: () => dev.stop(),
  };
}
