// `npm run test:faults`: the service's processes under faults, counted at the SMTP sink by Message-ID.
// Prints a table (accepted, delivered, lost, duplicates) and writes test-results/faults.json.
// Exits non-zero when an accepted email is lost or a scenario's expected behaviour did not hold.
// `--server cluster`: on a real Temporal cluster (PostgreSQL) instead of dev servers.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureTemporal, ROOT } from '../../scripts/tools.mjs';
import { bundleWorkflows, QUIET_BUNDLER_LOGGER } from '../../scripts/workflow-bundle.mjs';
import { freePort, freeStablePorts } from '../../src/dev/ports.js';
import { startEmbeddedPostgres } from '../../src/dev/postgres.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { startTestCluster, testServerKind } from '../support/cluster.js';
import { count, sendMany } from './client.js';
import { temporalKilled, temporalStoreDown } from './cluster.js';
import { duringOutage } from './outage.js';
import { startFaultStack, type FaultStack } from './stack.js';
import { geminiFaults, postgresDown, primaryDown, sesThrottling, type Row } from './more.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function workerKills(stack: FaultStack, sink: MailCatcher): Promise<Row> {
  const n = 300;
  const kills = new Set<number>();
  while (kills.size < 5) kills.add(20 + Math.floor(Math.random() * (n - 40)));
  const sent = await sendMany(stack.api, n, 25, `kill-${Date.now()}`, async (i) => {
    if (!kills.has(i)) return;
    await stack.killWorker();
    await stack.startWorker();
  });
  const counted = await count(sink, sent.accepted);
  return { scenario: 'worker SIGKILL ×5 during 300 POST /message', ...counted, notes: `killed after requests ${[...kills].sort((a, b) => a - b).join(', ')}`, ok: counted.lost === 0 && counted.accepted === n };
}

async function temporalRestart(stack: FaultStack, sink: MailCatcher): Promise<Row> {
  const { counted, sent, downMs } = await duringOutage(stack.api, sink, { tag: 'temporal', minDownMs: 5000, down: () => stack.stopTemporal(), up: () => stack.startTemporal() });
  return {
    scenario: 'Temporal server stopped and restarted during 100 POST /message',
    ...counted,
    notes: `down ${(downMs / 1000).toFixed(1)} s; the API answered ${sent.unavailable} requests with 503 meanwhile, then recovered by itself`,
    ok: counted.lost === 0 && counted.accepted === 100 && sent.unavailable > 0,
  };
}

async function smtpTransient(stack: FaultStack, sink: MailCatcher): Promise<Row> {
  const until = Date.now() + 4000;
  let refusals = 0;
  sink.fault = () => (Date.now() < until ? (refusals++, { code: refusals % 2 ? 421 : 451, message: '4.3.0 try again later' }) : undefined);
  const sent = await sendMany(stack.api, 50, 25, `smtp4xx-${Date.now()}`);
  const row = await count(sink, sent.accepted);
  sink.fault = () => undefined;
  return { scenario: 'SMTP answering 421/451 for 4 s, then accepting', ...row, notes: `${refusals} transient refusals, retried with backoff`, ok: row.lost === 0 && refusals > 0 };
}

async function smtpDown(stack: FaultStack, sink: MailCatcher): Promise<Row> {
  await sink.stop();
  const sent = await sendMany(stack.api, 30, 15, `smtpdown-${Date.now()}`);
  await sleep(3000);
  await sink.start();
  const counted = await count(sink, sent.accepted);
  return { scenario: 'SMTP connection refused for ~5 s, then back', ...counted, notes: 'retried until the server came back', ok: counted.lost === 0 && counted.accepted === 30 };
}

async function smtpPermanent(stack: FaultStack, sink: MailCatcher): Promise<Row> {
  sink.fault = () => ({ code: 550, message: '5.1.1 no such user' });
  const sent = await sendMany(stack.api, 5, 10, `smtp550-${Date.now()}`);
  const states: string[] = [];
  for (const id of sent.accepted) {
    let body: { state?: string; attempts?: number; error?: { message: string } } = {};
    for (let i = 0; i < 60 && body.state !== 'failed'; i++) {
      body = (await (await fetch(`${stack.api}/message/${id}`)).json()) as typeof body;
      if (body.state !== 'failed') await sleep(500);
    }
    states.push(`${body.state}/${body.attempts}`);
  }
  sink.fault = () => undefined;
  const failedFast = states.filter((s) => s === 'failed/1').length;
  return {
    scenario: 'SMTP answering 550',
    accepted: sent.accepted.length,
    delivered: 0,
    lost: 0,
    duplicates: 0,
    notes: `${failedFast}/${sent.accepted.length} failed fast (1 attempt), reason shown by GET /message/:id`,
    ok: failedFast === sent.accepted.length && sent.accepted.length === 5,
  };
}

async function main() {
  // `--server cluster`: the same scenarios on a real cluster, plus the two only a cluster has.
  // `--only a,b`: just those scenarios (by function name), for working on one.
  const { kind, rest } = testServerKind(process.argv.slice(2));
  const onlyAt = rest.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((rest[onlyAt + 1] ?? '').split(',')) : undefined;
  const wanted = <T extends { name: string }>(list: T[]) => list.filter((s) => !only || only.has(s.name));
  const work = mkdtempSync(path.join(tmpdir(), 'mailer-faults-'));
  chmodSync(work, 0o755);
  const temporalBin = ensureTemporal({ cliPath: process.env.TEMPORAL_CLI_PATH, pathVar: process.env.PATH });
  const bundle = path.join(work, 'bundle.js');
  writeFileSync(bundle, await bundleWorkflows(QUIET_BUNDLER_LOGGER));
  const cluster = kind === 'cluster' ? await startTestCluster({ dir: path.join(work, 'cluster') }) : undefined;
  if (cluster) console.log(`[faults] on a Temporal cluster (PostgreSQL) at ${cluster.address}`);
  const sink = new MailCatcher({ port: await freePort() });
  await sink.start();
  const rows: Row[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const first = cluster ? [workerKills, temporalKilled, temporalStoreDown(cluster), smtpTransient, smtpDown, smtpPermanent] : [workerKills, temporalRestart, smtpTransient, smtpDown, smtpPermanent];
    if (wanted(first).length) {
      // The service's own database, as production has it: the send ledger is what catches a resend after a kill.
      const [pgPort] = await freeStablePorts(1);
      const db = await startEmbeddedPostgres({ dir: path.join(work, 'app-pg'), port: pgPort!, persistent: false, database: 'postgres' });
      const vars = { SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(sink.port), TEMPORAL_TASK_QUEUE: 'faults', DATABASE_URL: db.url, SWEEP_SCHEDULE_ON_START: 'false' };
      const stack = await startFaultStack({ temporalBin, cluster, dbFile: path.join(work, 'temporal.db'), bundle, vars }).catch(async (err: unknown) => {
        await db.stop();
        throw err;
      });
      stops.push(() => db.stop());
      try {
        for (const scenario of wanted(first)) {
          process.stdout.write(`[faults] ${scenario.name}…\n`);
          rows.push(await scenario(stack, sink));
        }
      } finally {
        await stack.stop();
      }
    }
    const env = { temporalBin, bundle, work, sink, cluster };
    for (const scenario of wanted([postgresDown, sesThrottling, geminiFaults, primaryDown])) {
      process.stdout.write(`[faults] ${scenario.name}…\n`);
      const out = await scenario(env);
      rows.push(...(Array.isArray(out) ? out : [out]));
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await sink.stop();
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const table = [
    '| scenario | accepted | delivered | lost | duplicates | expected behaviour | notes |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.accepted} | ${r.delivered} | ${r.lost} | ${r.duplicates} | ${r.ok ? 'yes' : '**NO**'} | ${r.notes} |`),
  ].join('\n');
  console.log(`\n${table}\n`);
  mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(path.join(ROOT, `test-results/faults${cluster ? '-cluster' : ''}.json`), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
  const failed = rows.filter((r) => r.lost || !r.ok).length;
  console.log(`${rows.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

void main();
