// The service as its own processes (API and worker from src/), against a file-backed Temporal dev
// server of its own, so that a scenario can kill, stop and restart any part.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../scripts/tools.mjs';
import { freePort, waitForPort } from '../../src/dev/ports.js';
import { startTemporalDevServer, stopChild, type DevServer } from '../../src/dev/temporal-server.js';

export interface FaultStack {
  api: string;
  temporalPort: number;
  startWorker(): Promise<void>;
  killWorker(): Promise<void>;
  stopTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultStack(opts: { temporalBin: string; dbFile: string; bundle: string; vars: Record<string, string> }): Promise<FaultStack> {
  const temporalPort = await freePort();
  const apiPort = await freePort();
  let server: DevServer | undefined;
  let worker: ChildProcess | undefined;
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
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
    temporalPort,
    async startTemporal() {
      server = await startTemporalDevServer({ bin: opts.temporalBin, port: temporalPort, headless: true, dbFile: opts.dbFile });
    },
    async stopTemporal() {
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
      await stack.stopTemporal();
    },
  };
  await stack.startTemporal();
  await stack.startWorker();
  const api = node('src/server.ts');
  await waitForPort(apiPort, 60_000);
  return stack;
}
