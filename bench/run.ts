// `npm run bench`: the service against the floors of the parts it is built on, side by side in one
// run on one Temporal server: the dev server, or with `--server cluster` the real server on PostgreSQL
// (bench/server.ts). `--quick` runs small sizes (a smoke run); `--out DIR` writes the results there
// instead of bench/. Prints progress, then the table; writes results.json (results-cluster.json) and
// RESULTS.md, which puts both servers side by side once each has a run on record.
// One file per scenario under bench/scenarios/; what they share is in bench/context.ts.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { ROOT } from '../scripts/tools.mjs';
import { freePort, waitForPort } from '../src/dev/ports.js';
import { startEmbeddedPostgres } from '../src/dev/postgres.js';
import { stopChild } from '../src/dev/temporal-server.js';
import { testServerKind } from '../test/support/cluster.js';
import { messageWorkflowId } from '../src/shared.js';
import { arrivalCounts, arrivals, DOMAIN, FLOOR_QUEUE, log, POOL, QUEUE, rssMb, sampleRss } from './context.js';
import { report } from './report.js';
import { startBenchServer } from './server.js';
import { BATCH_SIZE, batchPath } from './scenarios/batch.js';
import { crashDuplicates } from './scenarios/crash.js';
import { floor } from './scenarios/floor.js';
import { pairedRounds } from './scenarios/paired.js';
import { workflowSetUp } from './scenarios/preload.js';
import { openLoop } from './scenarios/open-loop.js';
import { againstL1 } from './scenarios/raw-smtp.js';
import { historyEvents, withServerCpu } from './scenarios/server-cost.js';
import { singlePath } from './scenarios/single.js';
import { sweep } from './scenarios/sweep.js';
import type { Figure } from './stats.js';

const { kind: serverKind, rest: argv } = testServerKind(process.argv.slice(2));
const quick = argv.includes('--quick');
const outAt = argv.indexOf('--out');
const outDir = outAt >= 0 && argv[outAt + 1] ? path.resolve(argv[outAt + 1]!) : path.join(ROOT, 'bench');
const SIZES = quick
  ? { l1: 300, warm: 50, rounds: 1, l2: 100, single: 100, seconds: 3, overloadSeconds: 2, sweeps: [100, 1000] as const, crash: 200, batches: 2, setUp: { n: 50, rounds: 2 } }
  : { l1: 3000, warm: 500, rounds: 2, l2: 1000, single: 1000, seconds: 20, overloadSeconds: 5, sweeps: [1000, 10_000] as const, crash: 1000, batches: 10, setUp: { n: 400, rounds: 10 } };

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
    const temporal = await startBenchServer(serverKind, work);
    stops.push(() => temporal.stop());
    const db = await startEmbeddedPostgres({ dir: path.join(work, 'pg'), port: await freePort(), persistent: false, database: 'postgres' });
    stops.push(() => db.stop());
    const sink = fork(path.join(ROOT, 'bench/sink.ts'), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    stops.push(() => stopChild(sink));
    const sinkPort = await new Promise<number>((resolve) =>
      sink.on('message', (m: { port?: number; arrivals?: [string, number][] }) => {
        if (m.port) resolve(m.port);
        for (const [id, at] of m.arrivals ?? []) {
          arrivals.set(id, at);
          arrivalCounts.set(id, (arrivalCounts.get(id) ?? 0) + 1);
        }
      }),
    );
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const client = new Client({ connection });
    log(`Temporal ${temporal.kind === 'cluster' ? 'cluster (temporal-server on PostgreSQL)' : 'dev server (SQLite file, WAL, synchronous=OFF)'} ${temporal.address}; PostgreSQL; SMTP sink :${sinkPort}`);

    const serverCpu = temporal.cpuMs;
    const floorWorker = fork(path.join(ROOT, 'bench/floor-worker.ts'), [temporal.address, FLOOR_QUEUE], { execArgv: ['--import', 'tsx'] });
    stops.push(() => stopChild(floorWorker));
    await new Promise((r) => floorWorker.once('message', r));

    const port = await freePort();
    const env: Record<string, string | undefined> = {
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
    const service = (entry: string, extra: Record<string, string> = {}) =>
      spawn(process.execPath, [path.join(ROOT, 'dist/src', `${entry}.js`)], { cwd: ROOT, env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'inherit'] });
    const procs: Record<string, ChildProcess> = { worker: service('worker'), api: service('server') };
    stops.push(() => stopChild(procs.worker!), () => stopChild(procs.api!));
    await waitForPort(port, 60_000);
    const api = `http://127.0.0.1:${port}`;
    log(`  service up; RSS worker ${rssMb(procs.worker!.pid!).toFixed(0)} MB, API ${rssMb(procs.api!.pid!).toFixed(0)} MB`);
    // Scenario 4: peak RSS through every scenario that follows (and the warm-up), with the worker's default bounds.
    const rss = sampleRss(procs);
    // Which scenario sets the worker's peak: the peak so far, after each of them.
    const peakSoFar = () => `worker peak RSS so far ${rss.peek().worker!.toFixed(0)} MB`;

    log(`Warm-up: ${SIZES.warm} bare workflows on the L2 worker, then ${SIZES.warm} POST /message on the service`);
    const l2Cold = await floor(client, SIZES.warm, 'floor-warm');
    const singleCold = await singlePath(api, SIZES.warm, 'warm');
    log(`  L2 ${l2Cold.toFixed(1)} workflows/s, single path ${singleCold.perSecond.toFixed(1)} emails/s (both workers fresh)`);

    log(`L2 Temporal floor (${SIZES.l2} bare workflows: a local activity and an activity, both no-ops) and scenario 1, single-message path (${SIZES.single} POST /message until delivered), in ${SIZES.rounds} alternating rounds`);
    const paired = await pairedRounds({
      client,
      api,
      rounds: SIZES.rounds,
      l2: SIZES.l2,
      single: SIZES.single,
      serverCpu,
      pids: { floorWorker: floorWorker.pid!, worker: procs.worker!.pid!, api: procs.api!.pid! },
    });
    for (const [i, r] of paired.rounds.entries()) log(`  round ${i + 1}: L2 ${r.l2.toFixed(1)} workflows/s, single path ${r.single.toFixed(1)} emails/s (${(r.single / r.l2).toFixed(2)})`);
    const l2 = paired.l2.perSecond;
    const l2Events = await historyEvents(client, paired.l2.ids);
    await stopChild(floorWorker);
    log(`  L2 ${l2.toFixed(1)} workflows/s; server ${paired.l2.serverCpuMs.toFixed(1)} CPU ms and ${l2Events.toFixed(1)} history events per workflow`);
    const single = paired.single;
    const singleEvents = await historyEvents(client, single.keys.map(messageWorkflowId));
    log(`  single path ${single.perSecond.toFixed(1)} emails/s; request to delivery p50 ${single.p50} ms, p99 ${single.p99} ms`);
    log(`  server ${single.serverCpuMs.toFixed(1)} CPU ms and ${singleEvents.toFixed(1)} history events per email; API ${single.apiCpuMs.toFixed(1)} and worker ${single.workerCpuMs.toFixed(1)} CPU ms per email; ${peakSoFar()}`);

    const sql = postgres(db.url, { max: 2, onnotice: () => {} });
    stops.push(() => sql.end());
    log(`Scenario 6, batch path: ${SIZES.batches} POST /messages of ${BATCH_SIZE} messages at once, until delivered, in ${SIZES.rounds} rounds each after L1`);
    await batchPath(api, 1, 'batch-warm');
    let batchCpuMs = 0;
    const batchPostP50s: number[] = [];
    const batch = await againstL1(sinkPort, SIZES.rounds, SIZES.l1, 'batch path', async (r) => {
      const run = await withServerCpu(serverCpu, () => batchPath(api, SIZES.batches, `batch-${r}`));
      batchCpuMs += run.cpuMs;
      batchPostP50s.push(run.value.postP50);
      return { emails: SIZES.batches * BATCH_SIZE, perSecond: run.value.perSecond };
    });
    const batchIds = (await sql<{ batch_id: string }[]>`SELECT DISTINCT batch_id FROM batch_messages WHERE id LIKE 'message-batch-%' AND id NOT LIKE 'message-batch-warm-%'`).map((r) => r.batch_id);
    const batchEvents = (await historyEvents(client, batchIds)) / BATCH_SIZE;
    log(`  ${batch.perSecond.toFixed(0)} emails/s (${batch.ratio.toFixed(2)} of L1); POST /messages p50 ${batchPostP50s.map((p) => p.toFixed(0)).join(', ')} ms`);
    log(`  server ${(batchCpuMs / batch.emails).toFixed(2)} CPU ms and ${batchEvents.toFixed(2)} history events per email (${batchIds.length} workflows); ${peakSoFar()}`);

    const half = Math.max(1, Math.round(single.perSecond / 2));
    const triple = Math.max(1, Math.round(single.perSecond * 3));
    log(`Scenario 2, API latency: POST /message at half the single path's capacity (${half}/s) for ${SIZES.seconds} s, open loop`);
    const latency = await openLoop(api, half, SIZES.seconds, 'open');
    log(`  p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms; ${latency.errors} errors; ${latency.achieved.toFixed(1)} requests/s sent`);
    log(`  and at three times capacity (${triple}/s) for ${SIZES.overloadSeconds} s: every request answered, every email delivered`);
    const overload = await openLoop(api, triple, SIZES.overloadSeconds, 'over');
    log(`  p50 ${overload.p50.toFixed(1)} ms, p99 ${overload.p99.toFixed(1)} ms; ${overload.errors} errors (non-202); ${peakSoFar()}`);

    const [small, large] = SIZES.sweeps;
    log(`Scenario 3, sweeps of ${small} and ${large} due tasks`);
    const sweepSmall = await sweep(client, sql, small);
    log(`  ${small}: ${sweepSmall.seconds.toFixed(1)} s, ${sweepSmall.perSecond.toFixed(0)} emails/s`);
    let sweepCpuMs = 0;
    const sweepLarge = await againstL1(sinkPort, SIZES.rounds, large, `sweep of ${large}`, async () => {
      const run = await withServerCpu(serverCpu, () => sweep(client, sql, large));
      sweepCpuMs += run.cpuMs;
      return { emails: large, perSecond: run.value.perSecond };
    });
    log(`  ${large}: ${(sweepLarge.seconds / SIZES.rounds).toFixed(1)} s a sweep, ${sweepLarge.perSecond.toFixed(0)} emails/s (${sweepLarge.ratio.toFixed(2)} of L1); server ${(sweepCpuMs / sweepLarge.emails).toFixed(2)} CPU ms per email; ${peakSoFar()}`);
    const l1 = (batch.l1.emails + sweepLarge.l1.emails) / (batch.l1.seconds + sweepLarge.l1.seconds);

    log(`Scenario 5, crash duplicates: ${SIZES.crash} emails queued with no worker, then SIGKILL ×4 while they drain`);
    procs.worker!.kill('SIGKILL');
    await stopChild(procs.worker!);
    const startWorker = async () => {
      procs.worker = service('worker');
      return procs.worker;
    };
    const crash = await crashDuplicates(api, SIZES.crash, 4, startWorker, 'crash');
    log(`  ${crash.lost} lost, ${crash.duplicates} duplicates`);
    const peak = rss.stop();
    log(`  peak RSS through scenarios 1 to 5: worker ${peak.worker!.toFixed(0)} MB, API ${peak.api!.toFixed(0)} MB`);

    // The bound's cost: the single path again on a worker with the SDK's own cache size for this heap.
    await stopChild(procs.worker!);
    const sdkCache = String(Math.max(Math.floor((Math.max(v8.getHeapStatistics().heap_size_limit / 2 ** 20 - 200, 0) * 600) / 1024), 10));
    procs.worker = service('worker', { WORKER_MAX_CACHED_WORKFLOWS: sdkCache });
    await singlePath(api, SIZES.warm, 'unbounded-warm');
    const unbounded = await singlePath(api, SIZES.single, 'unbounded');
    log(`  single path with maxCachedWorkflows ${sdkCache} (the SDK's default here): ${unbounded.perSecond.toFixed(1)} emails/s`);

    log(`Scenario 7, workflow set-up: the single path's history replayed ${SIZES.setUp.n} times per round, workflow modules shared against evaluated per workflow`);
    await stopChild(procs.worker!);
    const setUp = await workflowSetUp(SIZES.setUp.n, SIZES.setUp.rounds);
    log(`  ${setUp.sharedMs.toFixed(2)} against ${setUp.perWorkflowMs.toFixed(2)} CPU ms per workflow; ratio by pair of rounds ${setUp.ratios.map((r) => r.toFixed(2)).join(', ')}`);

    const figures: Figure[] = [
      { name: 'L1 raw SMTP (pooled nodemailer to the sink)', value: l1, unit: 'emails/s' },
      { name: 'L2 Temporal floor (bare workflow, no-op activities)', value: l2, unit: 'workflows/s' },
      { name: 'L2 server CPU per workflow', value: paired.l2.serverCpuMs, unit: 'ms' },
      { name: 'L2 history events per workflow', value: l2Events, unit: '' },
      { name: 'L2 worker CPU per workflow', value: paired.l2.workerCpuMs, unit: 'ms' },
      { name: `single-message path (${SIZES.single} POST /message to delivered)`, value: single.perSecond, unit: 'emails/s' },
      { name: 'single-message path ÷ L2', value: single.perSecond / l2, unit: '', target: { op: '>=', value: 1.2 } },
      { name: `warm-up, both workers fresh: single path ÷ L2 (first ${SIZES.warm} of each)`, value: singleCold.perSecond / l2Cold, unit: '' },
      { name: 'single-message path, server CPU per email', value: single.serverCpuMs, unit: 'ms' },
      { name: 'single-message path, history events per email', value: singleEvents, unit: '' },
      { name: 'single-message path, API CPU per email', value: single.apiCpuMs, unit: 'ms' },
      { name: 'single-message path, worker CPU per email', value: single.workerCpuMs, unit: 'ms' },
      { name: 'single-message path, request to delivery p50', value: single.p50, unit: 'ms' },
      { name: 'single-message path, request to delivery p99', value: single.p99, unit: 'ms' },
      { name: `batch path (${SIZES.batches} × ${BATCH_SIZE} POST /messages to delivered)`, value: batch.perSecond, unit: 'emails/s' },
      { name: `batch path ÷ L1`, value: batch.ratio, unit: '', target: { op: '>=', value: 0.7 } },
      { name: 'batch path, server CPU per email', value: batchCpuMs / batch.emails, unit: 'ms' },
      { name: 'batch path, history events per email', value: batchEvents, unit: '' },
      { name: `POST /message p50 at half capacity (${half}/s, open loop)`, value: latency.p50, unit: 'ms' },
      { name: `POST /message p99 at half capacity (${half}/s)`, value: latency.p99, unit: 'ms', target: { op: '<=', value: 50 } },
      { name: `POST /message errors at half capacity`, value: latency.errors, unit: '' },
      { name: `POST /message p99 at three times capacity (${triple}/s)`, value: overload.p99, unit: 'ms' },
      { name: `POST /message non-202 answers at three times capacity (all delivered)`, value: overload.errors, unit: '', target: { op: '<=', value: 0 } },
      { name: `sweep of ${small} tasks`, value: sweepSmall.seconds, unit: 's' },
      { name: `sweep of ${large} tasks`, value: sweepLarge.seconds / SIZES.rounds, unit: 's' },
      { name: `sweep of ${large}`, value: sweepLarge.perSecond, unit: 'emails/s' },
      { name: `sweep of ${large} ÷ L1`, value: sweepLarge.ratio, unit: '', target: { op: '>=', value: 0.8 } },
      { name: `sweep of ${large}, server CPU per email`, value: sweepCpuMs / sweepLarge.emails, unit: 'ms' },
      { name: `crash scenario: lost of ${SIZES.crash} (SIGKILL ×4)`, value: crash.lost, unit: '', target: { op: '<=', value: 0 } },
      { name: `crash scenario: duplicates of ${SIZES.crash} (SIGKILL ×4)`, value: crash.duplicates, unit: '', target: { op: '<=', value: 1 } },
      { name: 'worker peak RSS, scenarios 1 to 5 (default bounds)', value: peak.worker!, unit: 'MB', target: { op: '<=', value: 400 } },
      { name: 'API peak RSS, scenarios 1 to 5', value: peak.api!, unit: 'MB' },
      { name: `single-message path with maxCachedWorkflows ${sdkCache} (SDK default)`, value: unbounded.perSecond, unit: 'emails/s' },
      { name: 'bounded ÷ SDK-default cache, single path', value: single.perSecond / unbounded.perSecond, unit: '' },
      { name: 'workflow set-up, modules shared: CPU per replayed single-path workflow', value: setUp.sharedMs, unit: 'ms' },
      { name: 'workflow set-up, modules per workflow (SDK default): CPU per replayed workflow', value: setUp.perWorkflowMs, unit: 'ms' },
      { name: 'modules shared ÷ per workflow, CPU per workflow (median of the pairs of rounds)', value: setUp.ratio, unit: '' },
    ];
    report(figures, { outDir, quick, sizes: SIZES, server: { kind: temporal.kind, description: temporal.description } });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
