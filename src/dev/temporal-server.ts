import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_NAMES } from '../shared.js';
import { exitMessage, OutputTail } from './output-tail.js';
import { waitForPort } from './ports.js';

export interface DevServerOptions {
  bin: string;
  port: number;
  uiPort?: number;
  /** SQLite file; absent: in memory. */
  dbFile?: string;
  headless?: boolean;
  log?: (line: string) => void;
}

export interface DevServer {
  process: ChildProcess;
  address: string;
  /** Settles when the server exits without being asked to, with its own last lines in the error. */
  unexpectedExit: Promise<never>;
  stop(): Promise<void>;
}

/**
 * `temporal server start-dev`, started by us and awaited on its port (createLocal()'s 5 s limit
 * is flaky on a busy 2-core machine). WAL and synchronous=OFF make SQLite several times faster.
 */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn'];
  args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  for (const name of SEARCH_ATTRIBUTE_NAMES) args.push('--search-attribute', `${name}=Keyword`);
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.headless) args.push('--headless');
  else if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-disable-news-fetch');
  const command = [opts.bin, ...args];
  const child = spawn(opts.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new OutputTail().follow(child, opts.log);
  let stopping = false;
  let started = false;
  const exited = new Promise<never>((_, reject) => {
    const fail = (how: string) => reject(new Error(exitMessage('temporal dev server', `${how}${started ? '' : ' during start-up'}`, command, tail)));
    child.once('error', (err) => fail(`could not be started (${err.message})`));
    child.once('exit', (code, signal) => {
      if (!stopping) fail(signal ? `was killed by ${signal}` : `exited with ${code}`);
    });
  });
  exited.catch(() => {});
  // Started when it says so and its port answers: the port alone could be another program's.
  const announced = new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('it did not say it had started within 60 s')), 60_000);
    timer.unref();
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Temporal Server:')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
  });
  const up = Promise.all([announced, waitForPort(opts.port, 60_000)]);
  await Promise.race([up, exited]).catch(async (err: Error) => {
    stopping = true;
    await stopChild(child);
    throw err.message.includes('temporal dev server') ? err : new Error(exitMessage('temporal dev server', `did not start: ${err.message}`, command, tail));
  });
  started = true;
  return {
    process: child,
    address: `127.0.0.1:${opts.port}`,
    unexpectedExit: exited,
    stop: () => {
      stopping = true;
      return stopChild(child);
    },
  };
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
