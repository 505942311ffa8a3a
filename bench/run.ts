// `npm run bench`: the service against the floors of the parts it is built on, side by side in one
// run on one dev server. `--quick` runs small sizes (a smoke run); `--out DIR` writes the results
// there instead of bench/. Prints progress, then the table; writes results.json and RESULTS.md.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import nodemailer from 'nodemailer';
import postgres from 'postgres';
import { ensureTemporal, ROOT } from '../scripts/tools.mjs';
import { freePort, waitForPort } from '../src/dev/ports.js';
import { startEmbeddedPostgres } from '../src/dev/postgres.js';
import { startTemporalDevServer, stopChild } from '../src/dev/temporal-server.js';
import { renderReminder } from '../src/reminders/render.js';
import { messageIdFor, messageWorkflowId, reminderWorkflowId, type SweepSummary } from '../src/shared.js';
import { markdownTable, met, percentile, type Figure } from './stats.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const outAt = argv.indexOf('--out');
const outDir = outAt >= 0 && argv[outAt + 1] ? path.resolve(argv[outAt + 1]!) : path.join(ROOT, 'bench');
const SIZES = quick
  ? { l1: 300, l2: 100, single: 100, rate: 100, seconds: 3, sweeps: [100, 1000] as const }
  : { l1: 3000, l2: 1000, single: 1000, rate: 100, seconds: 20, sweeps: [1000, 10_000] as const };
const POOL = 10;
const DOMAIN = 'bench.local';
const QUEUE = 'bench';
const FLOOR_QUEUE = 'bench-floor';
const STARTS_IN_FLIGHT = 50;

const log = (line: string) => console.log(`[bench] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sink's arrivals: Message-ID to arrival time (ms since the epoch). */
const arrivals = new Map<string, number>();

/** Resolves when every id has arrived at the sink; shows progress every 2 s. */
async function delivered(ids: string[], label: string, timeoutMs = 20 * 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let shown = Date.now();
  for (;;) {
    const got = ids.filter((id) => arrivals.has(id)).length;
    if (got === ids.length) return Math.max(...ids.map((id) => arrivals.get(id)!));
    if (Date.now() > deadline) throw new Error(`${label}: ${got} of ${ids.length} delivered in ${timeoutMs} ms`);
    if (Date.now() - shown > 2_000) {
      log(`  ${label}: ${got}/${ids.length} delivered`);
      shown = Date.now();
    }
    await sleep(25);
  }
}

/** Runs `fn` for each index, at most `limit` at once. */
async function limited(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function sampleRss(children: Record<string, ChildProcess>): { stop(): Record<string, number> } {
  const peak: Record<string, number> = Object.fromEntries(Object.keys(children).map((k) => [k, 0]));
  const timer = setInterval(() => {
    for (const [name, child] of Object.entries(children)) peak[name] = Math.max(peak[name]!, rssMb(child.pid!));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

const sample = renderReminder(
  { taskId: '1', title: 'Write the benchmark chapter', dueAt: new Date().toISOString(), projectId: '1', projectName: 'Thesis', ownerId: '1', ownerEmail: 'owner@example.com', ownerName: 'Ada' },
  { timeZone: 'UTC' },
);

/** L1: pooled nodemailer straight to the sink, as many in flight as the pool takes. */
async function rawSmtp(port: number, n: number, prefix: string): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: POOL, secure: false, ignoreTLS: true });
  const ids = Array.from({ length: n }, (_, i) => `<${prefix}-${i}@${DOMAIN}>`);
  const t0 = Date.now();
  await Promise.all(ids.map((messageId) => transport.sendMail({ from: 'bench@bench.local', ...sample, html: sample.html!, messageId })));
  const end = await delivered(ids, 'L1 raw SMTP');
  transport.close();
  return n / ((end - t0) / 1000);
}

/** L2: the bare workflow, started as the API starts emails (50 starts in flight), until all complete. */
async function floor(client: Client, n: number, prefix: string): Promise<number> {
  const handles: Promise<unknown>[] = [];
  const t0 = Date.now();
  await limited(n, STARTS_IN_FLIGHT, async (i) => {
    const h = await client.workflow.start('FloorWorkflow', { taskQueue: FLOOR_QUEUE, workflowId: `${prefix}-${i}` });
    handles.push(h.result());
  });
  await Promise.all(handles);
  return n / ((Date.now() - t0) / 1000);
}

async function post(api: string, key: string): Promise<number> {
  const res = await fetch(`${api}/message`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ destinataire: 'owner@example.com', sujet: sample.subject, message: sample.text }),
  });
  await res.arrayBuffer();
  return res.status;
}

const emailMessageId = (key: string) => messageIdFor(messageWorkflowId(key), DOMAIN);

/** Scenario 1: N POST /message (50 in flight) until every email is at the sink. */
async function singlePath(api: string, n: number, prefix: string) {
  const postedAt = new Map<string, number>();
  const t0 = Date.now();
  await limited(n, STARTS_IN_FLIGHT, async (i) => {
    const key = `${prefix}-${i}`;
    postedAt.set(key, Date.now());
    const status = await post(api, key);
    if (status !== 202) throw new Error(`POST /message answered ${status}`);
  });
  const keys = [...postedAt.keys()];
  const end = await delivered(keys.map(emailMessageId), 'single-message path');
  const latencies = keys.map((k) => arrivals.get(emailMessageId(k))! - postedAt.get(k)!);
  return { perSecond: n / ((end - t0) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * Scenario 2: open loop. Requests leave on a fixed timetable, whether or not earlier ones answered.
 * `paused` freezes the worker (SIGSTOP) while the requests go out, to see what a start costs alone.
 */
async function openLoop(api: string, rate: number, seconds: number, prefix: string, paused?: ChildProcess) {
  paused?.kill('SIGSTOP');
  const n = rate * seconds;
  const latencies: number[] = [];
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    inFlight.push(
      post(api, `${prefix}-${i}`).then(
        (status) => {
          latencies.push(performance.now() - sent);
          if (status !== 202) errors++;
        },
        () => void errors++,
      ),
    );
    if (i % (rate * 5) === 0 && i) log(`  open loop: ${i}/${n} sent`);
  }
  await Promise.all(inFlight);
  const achieved = n / ((performance.now() - start) / 1000);
  paused?.kill('SIGCONT');
  await delivered(Array.from({ length: n }, (_, i) => emailMessageId(`${prefix}-${i}`)), 'open-loop emails');
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies), errors, achieved };
}

/** Scenario 3: n due tasks; from the sweep's start to every reminder at the sink and every task marked. */
async function sweep(client: Client, sql: postgres.Sql, n: number) {
  const prefix = `sweep${n}`;
  const [u] = await sql`INSERT INTO users (email, name) VALUES (${`${prefix}@example.com`}, ${prefix}) RETURNING id`;
  const [p] = await sql`INSERT INTO projects (name, owner_id) VALUES (${prefix}, ${u!.id}) RETURNING id`;
  const tasks = await sql<{ id: string; due_at: Date }[]>`
    INSERT INTO tasks (project_id, title, due_at)
    SELECT ${p!.id}, ${prefix} || '-' || g, now() + interval '1 hour' + g * interval '1 second' FROM generate_series(1, ${n}) AS g
    RETURNING id, due_at`;
  const ids = tasks.map((t) => messageIdFor(reminderWorkflowId(t.id, t.due_at.toISOString()), DOMAIN));
  const t0 = Date.now();
  const summary = (await client.workflow.execute('DueTaskSweepWorkflow', { taskQueue: QUEUE, workflowId: `bench-${prefix}-${t0}`, args: [{}] })) as SweepSummary;
  const end = Math.max(await delivered(ids, `sweep of ${n}`), Date.now());
  const [{ marked }] = (await sql`SELECT count(*)::int AS marked FROM tasks WHERE project_id = ${p!.id} AND notification_sent`) as unknown as [{ marked: number }];
  if (marked !== n || summary.sent !== n) throw new Error(`sweep of ${n}: ${marked} marked, summary ${JSON.stringify(summary)}`);
  const seconds = (end - t0) / 1000;
  return { seconds, perSecond: n / seconds };
}

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
    report(figures);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

function report(figures: Figure[]) {
  const table = markdownTable(figures);
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB memory, ${os.type()} ${os.release()}, Node ${process.version}`;
  const date = new Date().toISOString();
  const when = `${date.slice(0, 10)} (${date})`;
  console.log(`\n${table}\n`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    path.join(outDir, 'results.json'),
    `${JSON.stringify({ date, machine, quick, sizes: SIZES, figures: figures.map((f) => ({ ...f, met: met(f) })) }, null, 2)}\n`,
  );
  writeFileSync(path.join(outDir, 'RESULTS.md'), resultsMarkdown(when, machine, table));
  log(`wrote ${path.relative(ROOT, outDir) || '.'}/results.json and RESULTS.md`);
}

function resultsMarkdown(when: string, machine: string, table: string): string {
  return `# Benchmark results

Latest run of \`npm run bench${quick ? ' -- --quick' : ''}\`, written by the benchmark itself (\`bench/run.ts\`).

- **Date:** ${when}
- **Machine:** ${machine}
- **Commands:** \`npm ci\`, then \`npm run bench\` (about five minutes; \`npm run bench -- --quick\` is a smaller smoke run)
- **Dev server:** \`temporal server start-dev\` with a SQLite file, \`--sqlite-pragma journal_mode=WAL\` and
  \`--sqlite-pragma synchronous=OFF\` (as \`npm run dev\` starts it), log level warn
- **Service:** \`node dist/src/server.js\` and \`node dist/src/worker.js\` (the production build), SMTP pool of ${POOL}
  connections, \`SWEEP_PAGE_SIZE\` 200, \`LOG_LEVEL=warn\`; embedded PostgreSQL; the SMTP sink is \`bench/sink.ts\` in
  a process of its own, keeping only each message's Message-ID and arrival time

Every headline figure is a ratio against a baseline measured in the same run, on the same dev server and sink:
these machines are shared, and absolute times drift from run to run.

${table}

## What each figure measures

- **L1 raw SMTP:** ${SIZES.l1} emails (the reminder template's size) through one pooled nodemailer transport with
  ${POOL} connections, all queued at once, until the sink has them all.
- **L2 Temporal floor:** ${SIZES.l2} runs of \`bench/floor-workflows.ts\`: the activities \`SendEmailWorkflow\`
  runs with enhancement off (a local activity, then an activity), doing nothing, on a worker with the SDK's
  defaults in its own process; ${STARTS_IN_FLIGHT} starts in flight, until every run completes.
- **Scenario 1:** ${SIZES.single} \`POST /message\` (${STARTS_IN_FLIGHT} in flight) until every email is at the sink; latency is
  from the request to the email's arrival.
- **Scenario 2:** \`POST /message\` on a fixed timetable of ${SIZES.rate} requests/s for ${SIZES.seconds} s; a request leaves at its
  time whether or not earlier ones have answered (open loop, no coordinated omission). Then the same with
  the worker frozen (SIGSTOP, resumed after): the API and the workflow start alone, without the worker's
  traffic on the dev server.
- **Scenario 3:** tasks due in the next day, then \`DueTaskSweepWorkflow\` started as \`temporal schedule trigger\`
  starts it; timed from the start to the last reminder at the sink, with every task checked as marked.
- **Scenario 4:** RSS of the worker and API processes, sampled every 100 ms during scenario 3.
`;
}

await main();
