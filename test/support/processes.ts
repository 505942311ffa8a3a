import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../scripts/tools.mjs';
import { infra } from './env.js';

/** src/worker.ts as its own process, as `npm run worker` starts it, on the prebuilt bundle. */
export function spawnWorker(vars: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'error', WORKER_METRICS_PORT: '0', WORKFLOW_BUNDLE_PATH: infra.workflowBundle, TEMPORAL_ADDRESS: infra.temporalAddress, ...vars },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** The real `temporal` CLI against this run's server. */
export function temporalCli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(infra.temporalCli, [...args, '--address', infra.temporalAddress], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** A process from src/ as `npm run api` / `npm run worker` start it, with its output kept. */
export function spawnService(entry: 'server' | 'worker', vars: Record<string, string>): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, `src/${entry}.ts`)], {
    cwd: ROOT,
    env: { ...process.env, WORKFLOW_BUNDLE_PATH: infra.workflowBundle, TEMPORAL_ADDRESS: infra.temporalAddress, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  return { child, output: () => out };
}
