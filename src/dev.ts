// `npm run dev`: the whole local stack on embedded defaults, nothing installed by hand.
// Temporal dev server (SQLite under .data/, Web UI), embedded PostgreSQL unless DATABASE_URL is set,
// a mail catcher unless SMTP or SES is configured, then the worker and the API as separate processes.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTemporal } from '../scripts/tools.mjs';
import { MailCatcher } from './mailcatcher/catcher.js';
import { startMailWeb } from './mailcatcher/web.js';
import { childEnv, loadEnvOrExit, systemPath } from './env.js';
import { canConnect, portOf, waitForPort } from './dev/ports.js';
import { startEmbeddedPostgres, type EmbeddedDb } from './dev/postgres.js';
import { startTemporalDevServer, stopChild, type DevServer } from './dev/temporal-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function startNode(entry: string, env: Record<string, string | undefined>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], { stdio: 'inherit', env, cwd: ROOT });
}

async function main() {
  const config = loadEnvOrExit();
  const dataDir = path.resolve(ROOT, config.dataDir);
  const stops: (() => Promise<unknown>)[] = [];
  const say = (msg: string) => console.log(`[dev] ${msg}`);
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const stop of stops.reverse()) await stop().catch((err) => console.error(err));
    process.exit(code);
  };
  // `on`, not `once`: Ctrl-C reaches this process twice (from the terminal, and relayed by npm and tsx).
  // With a one-shot handler the second one ends the process mid-shutdown, leaving the Temporal server
  // still exiting with its ports and SQLite file, which made the next `npm run dev` fail at once.
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    // Human-readable logs for a person at a terminal, unless LOG_FORMAT says otherwise.
    const overrides: Record<string, string> = config.logFormat ? {} : { LOG_FORMAT: 'pretty' };

    if (!config.databaseUrl) {
      const db: EmbeddedDb = await startEmbeddedPostgres({ dir: path.join(dataDir, 'postgres'), port: config.embeddedPostgresPort });
      stops.push(() => db.stop());
      overrides.DATABASE_URL = db.url;
    }

    const sesConfigured = config.mail.provider === 'ses' || config.mail.fallback === 'ses';
    let mailUrl: string | undefined;
    if (!config.smtp.configured && !sesConfigured) {
      const mailDir = path.join(dataDir, 'mail');
      const catcher = new MailCatcher({ port: config.mailcatcher.smtpPort, dir: mailDir });
      await catcher.start();
      stops.push(() => catcher.stop());
      const web = await startMailWeb(mailDir, config.mailcatcher.httpPort);
      stops.push(() => new Promise((r) => web.close(r)));
      Object.assign(overrides, { SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(catcher.port), MAIL_PROVIDER: 'smtp' });
      mailUrl = `http://localhost:${config.mailcatcher.httpPort}`;
    }

    // The Temporal dev server last of the three: it picks its internal ports at random among the free
    // ones, so the ports of our own listeners are taken first and cannot be among them.
    const temporalPort = portOf(config.temporal.address);
    if (await canConnect(temporalPort)) {
      say(`Temporal already answers on ${config.temporal.address}; using it`);
    } else {
      const bin = ensureTemporal({ cliPath: config.temporal.cliPath, pathVar: systemPath() });
      const server: DevServer = await startTemporalDevServer({
        bin,
        port: temporalPort,
        uiPort: config.temporal.uiPort,
        dbFile: path.join(dataDir, 'temporal.db'),
      });
      stops.push(() => server.stop());
      server.unexpectedExit.catch((err: Error) => {
        if (stopping) return;
        console.error(`[dev] ${err.message}`);
        void shutdown(1);
      });
      overrides.TEMPORAL_ADDRESS = server.address;
    }

    const env = childEnv(overrides);
    const worker = startNode('src/worker.ts', env);
    const api = startNode('src/server.ts', env);
    // Stopped first (stops run in reverse): the worker finishes in-flight tasks while Temporal is still up.
    stops.push(() => Promise.all([stopChild(worker), stopChild(api)]));
    for (const child of [worker, api]) {
      child.once('exit', (code) => {
        if (!stopping) {
          console.error(`[dev] a child process exited (${code}); stopping the stack`);
          void shutdown(1);
        }
      });
    }
    await waitForPort(config.http.port, 120_000);
    say('ready:');
    say(`  API          http://localhost:${config.http.port}`);
    say(`  Temporal UI  http://localhost:${config.temporal.uiPort}`);
    if (mailUrl) say(`  Mail         ${mailUrl}  (files in ${path.join(config.dataDir, 'mail')}, or npm run mail)`);
    say(`  Database     ${overrides.DATABASE_URL ? 'embedded PostgreSQL, data in ' + path.join(config.dataDir, 'postgres') : 'DATABASE_URL'}`);
    say('Ctrl-C stops everything; data is kept in ' + config.dataDir);
  } catch (err) {
    console.error(`[dev] ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

void main();
