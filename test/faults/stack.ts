// The service as its own processes (API and worker from src/), against a file-backed Temporal dev
// server of its own, or against the run's cluster (`--server cluster`), so that a scenario can kill,
// stop and restart any part.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../scripts/tools.mjs';
import { freePort, portOf, waitForPort } from '../../src/dev/ports.js';
import type { Cluster } from '../../src/dev/cluster.js';
import { startTemporalDevServer, stopChild, type DevServer } from '../../src/dev/temporal-server.js';

export interface FaultStack {
  api: string;
  temporalAddress: string;
  startWorker(): Promise<void>;
  killWorker(): Promise<void>;
  /** `kill`: SIGKILL, no chance to flush anything (what a crashed machine does). */
  stopTemporal(opts?: { kill?: boolean }): Promise<void>;
  startTemporal(): Promise<void>;
  stop(): Promise<void>;
}

export interface FaultStackOptions {
  temporalBin: string;
  /** The dev server's SQLite file; unused on a cluster. */
  dbFile: string;
  bundle: string;
  vars: Record<string, string>;
  /** The run's cluster: the stack stops and restarts its server process but never tears it down. */
  cluster?: Cluster;
}

export async function startFaultStack(opts: FaultStackOptions): Promise<FaultStack> {
  const cluster = opts.cluster;
  const temporalAddress = cluster?.address ?? `127.0.0.1:${await freePort()}`;
  const apiPort = await freePort();
  let server: DevServer | undefined;
  let temporalDown = false;
  let worker: ChildProcess | undefined;
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: temporalAddress,
    WORKFLOW_BUNDLE_PATH: opts.bundle,
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'error',
    PORT: String(apiPort),
    TEMPORAL_REQUEST_TIMEOUT: '2s',
    ...opts.vars,
  };
  const node = (entry: string) => spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });

  const stack: FaultStack = {
    api: `http://127.0.0.1:${apiPort}`,
    temporalAddress,
    async startTemporal() {
      if (cluster) {
        if (temporalDown) await cluster.startServer();
      } else server = await startTemporalDevServer({ bin: opts.temporalBin, port: portOf(temporalAddress), headless: true, dbFile: opts.dbFile });
      temporalDown = false;
    },
    async stopTemporal({ kill = false } = {}) {
      temporalDown = true;
      if (cluster) return cluster.stopServer({ kill });
      if (kill) server?.process.kill('SIGKILL');
      await server?.stop();
      server = undefined;
    },
    async startWorker() {
      worker = node('src/worker.ts');
    },
    async killWorker() {
      const w = worker;
      if (!w || w.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        w.kill('SIGKILL');
      });
    },
    async stop() {
      if (worker) await stopChild(worker);
      await stopChild(api);
      if (cluster) await stack.startTemporal(); // the next scenario gets the cluster as it found it
      else await stack.stopTemporal();
    },
  };
  await stack.startTemporal();
  await stack.startWorker();
  const api = node('src/server.ts');
  await waitForPort(apiPort, 60_000);
  return stack;
}
