// A real Temporal cluster on this machine: the `temporal-server` binary on PostgreSQL (the embedded
// one), schema set up with `temporal-sql-tool`, namespace and search attributes registered through
// the API, every listener on a port picked here. Used by `npm run test:cluster`; each part can be
// stopped, killed and restarted on its own so that the fault suite can break it.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import pino from 'pino';
import { hasSearchAttributes, ensureSearchAttributes } from '../search-attributes.js';
import { exitMessage, OutputTail } from './output-tail.js';
import { freeStablePorts } from './ports.js';
import { embeddedPostgresUrl, startEmbeddedPostgres, type EmbeddedDb } from './postgres.js';
import { stopChild } from './temporal-server.js';

export interface ClusterOptions {
  /** `temporal-server`, `temporal-sql-tool` and the module's `schema/postgresql/v12` folder. */
  server: string;
  sqlTool: string;
  schemaDir: string;
  /** deploy/temporal/config.yaml (a template the server renders from the variables we pass). */
  configFile: string;
  dynamicConfigFile: string;
  /** Data folder; PostgreSQL's data goes in `dir/pg` (its parent must be reachable: 0755). */
  dir: string;
  namespace?: string;
  /** Extra variables for the config template (the TLS files, for one). */
  serverEnv?: Record<string, string>;
  /** How this module's own calls (namespace, search attributes, health) reach the frontend. */
  connection?: Omit<ConnectionOptions, 'address'>;
  log?: (chunk: string) => void;
}

export interface Cluster {
  /** The frontend, as a client's TEMPORAL_ADDRESS. */
  address: string;
  /** The server's Prometheus endpoint (`/metrics`). */
  metricsUrl: string;
  databaseUrl: string;
  /** SIGTERM (or SIGKILL with `kill`), then started again on the same ports and store. */
  stopServer(opts?: { kill?: boolean }): Promise<void>;
  startServer(): Promise<void>;
  stopDatabase(): Promise<void>;
  startDatabase(): Promise<void>;
  /** The server's last lines of output, for a failure message. */
  serverOutput(): string;
  /** The running server's and its PostgreSQL's process ids (for their CPU time), while they run. */
  serverPid(): number | undefined;
  databasePid(): number | undefined;
  stop(): Promise<void>;
}

const DB = { user: 'mailer', password: 'mailer' };
const PORTS = ['FRONTEND_GRPC_PORT', 'FRONTEND_HTTP_PORT', 'FRONTEND_MEMBERSHIP_PORT', 'HISTORY_GRPC_PORT', 'HISTORY_MEMBERSHIP_PORT', 'MATCHING_GRPC_PORT', 'MATCHING_MEMBERSHIP_PORT', 'WORKER_GRPC_PORT', 'WORKER_MEMBERSHIP_PORT', 'METRICS', 'POSTGRES'] as const;

/**
 * Distinct free ports, one per listener: nothing left to the server's defaults or to chance. Below
 * 32768 (freeStablePorts): besides, the server stores its membership ports in a PostgreSQL `smallint`
 * column, so an ephemeral port such as 39519 makes it exit at start-up.
 */
async function pickPorts(): Promise<Record<(typeof PORTS)[number], number>> {
  const list = await freeStablePorts(PORTS.length);
  return Object.fromEntries(PORTS.map((name, i) => [name, list[i]!])) as Record<(typeof PORTS)[number], number>;
}

/** The server logs JSON with stack traces; a failure message wants level, message and error. */
function condensed(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const j = JSON.parse(line) as { level?: string; msg?: string; error?: string };
    return `${j.level ?? ''} ${j.msg ?? ''}${j.error ? `: ${j.error}` : ''}`.trim();
  } catch {
    return line;
  }
}

function run(cmd: string, args: string[], what: string): Promise<void> {
  const tail = new OutputTail();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  tail.follow(child);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`${what}: ${err.message}`)));
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(exitMessage(what, `exited with ${code ?? signal}`, [cmd, ...args], tail)))));
  });
}

/** `create-database`, `setup-schema -v 0.0`, `update-schema -d …/versioned`: what admin-tools runs in compose. */
async function setupSchema(opts: ClusterOptions, port: number): Promise<void> {
  for (const [db, folder] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
    const base = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(port), '-u', DB.user, '--pw', DB.password, '--db', db];
    await run(opts.sqlTool, [...base, 'create-database'], `temporal-sql-tool create-database ${db}`);
    await run(opts.sqlTool, [...base, 'setup-schema', '-v', '0.0'], `temporal-sql-tool setup-schema ${db}`);
    await run(opts.sqlTool, [...base, 'update-schema', '-d', path.join(opts.schemaDir, folder, 'versioned')], `temporal-sql-tool update-schema ${db}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers the namespace and the Mail* search attributes, retrying while the server warms up. */
async function registerNamespace(address: string, namespace: string, opts: ClusterOptions, exited: () => string | undefined, tail: OutputTail): Promise<void> {
  const deadline = Date.now() + 120_000;
  let last = '';
  while (Date.now() < deadline) {
    const how = exited();
    if (how) throw new Error(exitMessage('temporal-server', how, [opts.server], tail));
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ ...opts.connection, address, connectTimeout: 5_000 });
      await connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') })
        .catch((err: { code?: number }) => {
          if (err.code !== 6) throw err; // ALREADY_EXISTS: a restart on the same store
        });
      await connection.workflowService.describeNamespace({ namespace });
      if (!(await ensureSearchAttributes(connection, namespace, pino({ level: 'silent' })))) throw new Error('search attributes not registered');
      if (await hasSearchAttributes(connection, namespace)) return;
      last = 'search attributes not listed yet';
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await connection?.close().catch(() => {});
    }
    await sleep(1000);
  }
  throw new Error(exitMessage('temporal-server', `did not accept namespace ${namespace} within 120 s (last error: ${last})`, [opts.server], tail));
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const namespace = opts.namespace ?? 'default';
  mkdirSync(opts.dir, { recursive: true });
  chmodSync(opts.dir, 0o755); // the embedded PostgreSQL runs as its own user when we are root
  const ports = await pickPorts();
  const pgDir = path.join(opts.dir, 'pg');
  let db: EmbeddedDb | undefined = await startEmbeddedPostgres({ dir: pgDir, port: ports.POSTGRES, persistent: true, database: 'postgres' });
  const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LOG_LEVEL: 'warn',
    NUM_HISTORY_SHARDS: '4',
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(ports.POSTGRES),
    POSTGRES_USER: DB.user,
    POSTGRES_PWD: DB.password,
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    PROMETHEUS_ENDPOINT: `127.0.0.1:${ports.METRICS}`,
    PPROF_PORT: '0',
    DYNAMIC_CONFIG_FILE_PATH: opts.dynamicConfigFile,
    ...Object.fromEntries(PORTS.filter((p) => p.endsWith('_PORT')).map((p) => [p, String(ports[p])])),
    ...opts.serverEnv,
  };
  const command = [opts.server, '--config-file', opts.configFile, '--allow-no-auth', 'start'];
  let child: ChildProcess | undefined;
  let tail = new OutputTail(60);

  async function startServer(): Promise<void> {
    tail = new OutputTail(30);
    const c = spawn(command[0]!, command.slice(1), { cwd: opts.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    const t = tail;
    for (const stream of [c.stdout, c.stderr]) {
      stream?.on('data', (d: Buffer) => {
        const text = d.toString();
        opts.log?.(text);
        t.push(text.split('\n').map(condensed).join('\n'));
      });
    }
    let how: string | undefined;
    c.once('exit', (code, signal) => (how = `exited with ${code ?? signal}`));
    c.once('error', (err) => (how = `failed to start: ${err.message}`));
    await registerNamespace(address, namespace, opts, () => how, tail);
  }

  try {
    await setupSchema(opts, ports.POSTGRES);
    await startServer();
  } catch (err) {
    if (child) await stopChild(child);
    await db.stop();
    throw err;
  }

  return {
    address,
    metricsUrl: `http://127.0.0.1:${ports.METRICS}/metrics`,
    databaseUrl: embeddedPostgresUrl(ports.POSTGRES, 'temporal'),
    async stopServer({ kill = false } = {}) {
      if (child) await stopChild(child, kill ? 'SIGKILL' : 'SIGTERM', 30_000);
      child = undefined;
    },
    startServer,
    async stopDatabase() {
      await db?.stop();
      db = undefined;
    },
    async startDatabase() {
      db = await startEmbeddedPostgres({ dir: pgDir, port: ports.POSTGRES, persistent: true, database: 'postgres' });
    },
    serverOutput: () => tail.text(),
    serverPid: () => child?.pid,
    databasePid: () => db?.pid(),
    async stop() {
      if (child) await stopChild(child, 'SIGTERM', 30_000);
      child = undefined;
      await db?.stop();
      db = undefined;
    },
  };
}
