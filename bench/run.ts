// `npm run bench`: the service against the floors of the parts it is built on, side by side in one
// run on one dev server. `--quick` runs small sizes (a smoke run); `--out DIR` writes the results
// there instead of bench/. Prints progress, then the table; writes results.json and RESULTS.md.
// One file per scenario under bench/scenarios/; what they share is in bench/context.ts.
import { execFileSync, fork, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { ensureTemporal, ROOT } from '../scripts/tools.mjs';
import { freePort, waitForPort } from '../src/dev/ports.js';
import { startEmbeddedPostgres } from '../src/dev/postgres.js';
import { startTemporalDevServer, stopChild } from '../src/dev/temporal-server.js';
import { arrivals, DOMAIN, FLOOR_QUEUE, log, POOL, QUEUE, rssMb, sampleRss } from './context.js';
import { report } from './report.js';
import { floor } from './scenarios/floor.js';
import { openLoop } from './scenarios/open-loop.js';
import { rawSmtp } from './scenarios/raw-smtp.js';
import { singlePath } from './scenarios/single.js';
import { sweep } from './scenarios/sweep.js';
import type { Figure } from './stats.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const outAt = argv.indexOf('--out');
const outDir = outAt >= 0 && argv[outAt + 1] ? path.resolve(argv[outAt + 1]!) : path.join(ROOT, 'bench');
const SIZES = quick
  ? { l1: 300, l2: 100, single: 100, rate: 100, seconds: 3, sweeps: [100, 1000] as const }
  : { l1: 3000, l2: 1000, single: 1000, rate: 100, seconds: 20, sweeps: [1000, 10_000] as const };

async function main() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mailer-bench-'));
  chmodSync(work, 0o755);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    log(`${quick ? 'quick' : 'full'} run; building dist/ (the service runs as in production: node dist/...)`);
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'pipe' });
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      console.error(`${e.stdout ?? ''}${e.stderr ?? ''}`);
      throw new Error('npm run build failed');
    }
    const temporalBin = ensureTemporal({ cliPath: process.env.TEMPORAL_CLI_PATH, pathVar: process.env.PATH });
    const temporal = await startTemporalDevServer({ bin: temporalBin, port: await freePort(), headless: true, dbFile: path.join(work, 'temporal.db') });
    stops.push(() => temporal.stop());
    const db = await startEmbeddedPostgres({ dir: path.join(work, 'pg'), port: await freePort(), persistent: false, database: 'postgres' });
    stops.push(() => db.stop());
    const sink = fork(path.join(ROOT, 'bench/sink.ts'), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    stops.push(() => stopChild(sink));
    const sinkPort = await new Promise<number>((resolve) =>
      sink.on('message', (m: { port?: number; arrivals?: [string, number][] }) => {
        if (m.port) resolve(m.port);
        for (const [id, at] of m.arrivals ?? []) arrivals.set(id, at);
      }),
    );
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const client = new Client({ connection });
    log(`Temporal dev server ${temporal.address} (SQLite file, WAL, synchronous=OFF); PostgreSQL; SMTP sink :${sinkPort}`);

    log(`L1 raw SMTP: ${SIZES.l1} emails through pooled nodemailer (${POOL} connections)`);
    await rawSmtp(sinkPort, 50, 'l1-warm');
    const l1 = await rawSmtp(sinkPort, SIZES.l1, 'l1');
    log(`  ${l1.toFixed(0)} emails/s`);

    log(`L2 Temporal floor: ${SIZES.l2} bare workflows (a local activity and an activity, both no-ops)`);
    const floorWorker = fork(path.join(ROOT, 'bench/floor-worker.ts'), [temporal.address, FLOOR_QUEUE], { execArgv: ['--import', 'tsx'] });
    await new Promise((r) => floorWorker.once('message', r));
    await floor(client, 50, 'floor-warm');
    const l2 = await floor(client, SIZES.l2, 'floor');
    await stopChild(floorWorker);
    log(`  ${l2.toFixed(1)} workflows/s`);

    const port = await freePort();
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: QUEUE,
      WORKFLOW_BUNDLE_PATH: path.join(ROOT, 'dist/workflow-bundle.js'),
      WORKER_METRICS_PORT: '0',
      DATABASE_URL: db.url,
      MAIL_PROVIDER: 'smtp',
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(sinkPort),
      SMTP_POOL_SIZE: String(POOL),
      DEFAULT_FROM_EMAIL: 'bench@bench.local',
      MESSAGE_ID_DOMAIN: DOMAIN,
      SWEEP_SCHEDULE_ON_START: 'false',
    };
    const service = (entry: string) => spawn(process.execPath, [path.join(ROOT, 'dist/src', `${entry}.js`)], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const worker = service('worker');
    const apiProcess = service('server');
    stops.push(() => stopChild(worker), () => stopChild(apiProcess));
    await waitForPort(port, 60_000);
    const api = `http://127.0.0.1:${port}`;
    await singlePath(api, 50, 'warm');
    log(`  service up; RSS worker ${rssMb(worker.pid!).toFixed(0)} MB, API ${rssMb(apiProcess.pid!).toFixed(0)} MB`);

    log(`Scenario 1, single-message path: ${SIZES.single} POST /message until delivered`);
    const single = await singlePath(api, SIZES.single, 'single');
    log(`  ${single.perSecond.toFixed(1)} emails/s; request to delivery p50 ${single.p50} ms, p99 ${single.p99} ms`);

    log(`Scenario 2, API latency: POST /message at ${SIZES.rate}/s for ${SIZES.seconds} s, open loop`);
    const latency = await openLoop(api, SIZES.rate, SIZES.seconds, 'open');
    log(`  p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms; ${latency.errors} errors; ${latency.achieved.toFixed(1)} requests/s sent`);
    log(`  the same with the worker paused (SIGSTOP): what the API and a workflow start cost alone`);
    const alone = await openLoop(api, SIZES.rate, SIZES.seconds, 'alone', worker);
    log(`  p50 ${alone.p50.toFixed(1)} ms, p99 ${alone.p99.toFixed(1)} ms, max ${alone.max.toFixed(1)} ms; ${alone.errors} errors`);

    const sql = postgres(db.url, { max: 2, onnotice: () => {} });
    stops.push(() => sql.end());
    const [small, large] = SIZES.sweeps;
    log(`Scenario 3, sweeps of ${small} and ${large} due tasks; scenario 4, peak RSS meanwhile`);
    log(`  RSS before the sweeps: worker ${rssMb(worker.pid!).toFixed(0)} MB, API ${rssMb(apiProcess.pid!).toFixed(0)} MB`);
    const rss = sampleRss({ worker, api: apiProcess });
    const sweepSmall = await sweep(client, sql, small);
    log(`  ${small}: ${sweepSmall.seconds.toFixed(1)} s, ${sweepSmall.perSecond.toFixed(0)} emails/s`);
    const sweepLarge = await sweep(client, sql, large);
    log(`  ${large}: ${sweepLarge.seconds.toFixed(1)} s, ${sweepLarge.perSecond.toFixed(0)} emails/s`);
    const peak = rss.stop();

    const figures: Figure[] = [
      { name: 'L1 raw SMTP (pooled nodemailer to the sink)', value: l1, unit: 'emails/s' },
      { name: 'L2 Temporal floor (bare workflow, no-op activities)', value: l2, unit: 'workflows/s' },
      { name: `single-message path (${SIZES.single} POST /message to delivered)`, value: single.perSecond, unit: 'emails/s' },
      { name: 'single-message path ÷ L2', value: single.perSecond / l2, unit: '', target: { op: '>=', value: 0.8 } },
      { name: 'single-message path, request to delivery p50', value: single.p50, unit: 'ms' },
      { name: 'single-message path, request to delivery p99', value: single.p99, unit: 'ms' },
      { name: `POST /message p50 at ${SIZES.rate}/s (open loop)`, value: latency.p50, unit: 'ms' },
      { name: `POST /message p99 at ${SIZES.rate}/s`, value: latency.p99, unit: 'ms', target: { op: '<=', value: 50 } },
      { name: `POST /message max at ${SIZES.rate}/s`, value: latency.max, unit: 'ms' },
      { name: `POST /message errors at ${SIZES.rate}/s`, value: latency.errors, unit: '' },
      { name: `POST /message p50 at ${SIZES.rate}/s, worker paused`, value: alone.p50, unit: 'ms' },
      { name: `POST /message p99 at ${SIZES.rate}/s, worker paused`, value: alone.p99, unit: 'ms' },
      { name: `sweep of ${small} tasks`, value: sweepSmall.seconds, unit: 's' },
      { name: `sweep of ${small} ÷ L1`, value: sweepSmall.perSecond / l1, unit: '' },
      { name: `sweep of ${large} tasks`, value: sweepLarge.seconds, unit: 's' },
      { name: `sweep of ${large}`, value: sweepLarge.perSecond, unit: 'emails/s' },
      { name: `sweep of ${large} ÷ L1`, value: sweepLarge.perSecond / l1, unit: '', target: { op: '>=', value: 0.5 } },
      { name: `sweep time ${large} ÷ ${small}`, value: sweepLarge.seconds / sweepSmall.seconds, unit: '', target: { op: '<=', value: 12 } },
      { name: `worker peak RSS during the sweeps`, value: peak.worker!, unit: 'MB', target: { op: '<=', value: 400 } },
      { name: `API peak RSS during the sweeps`, value: peak.api!, unit: 'MB' },
    ];
    report(figures, { outDir, quick, sizes: SIZES });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
