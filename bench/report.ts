// The report: the table printed, results.json and RESULTS.md written from one run's figures.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../scripts/tools.mjs';
import { log, POOL, STARTS_IN_FLIGHT } from './context.js';
import { markdownTable, met, sideBySide, type Figure } from './stats.js';

export interface ReportOptions {
  outDir: string;
  quick: boolean;
  sizes: { l1: number; warm: number; rounds: number; l2: number; single: number; seconds: number; overloadSeconds: number; sweeps: readonly number[]; crash: number; batches: number; setUp: { n: number; rounds: number } };
  /** The Temporal server of this run (`--server dev` or `cluster`); each has its own results file. */
  server: { kind: 'dev' | 'cluster'; description: string };
}

interface RunRecord {
  date: string;
  machine: string;
  quick: boolean;
  server?: ReportOptions['server'];
  figures: Figure[];
}

const RESULTS_FILE = { dev: 'results.json', cluster: 'results-cluster.json' } as const;

export function report(figures: Figure[], { outDir, quick, sizes, server }: ReportOptions) {
  const SIZES = sizes;
  const table = markdownTable(figures);
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB memory, ${os.type()} ${os.release()}, Node ${process.version}`;
  const date = new Date().toISOString();
  const when = `${date.slice(0, 10)} (${date})`;
  console.log(`\n${table}\n`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    path.join(outDir, RESULTS_FILE[server.kind]),
    `${JSON.stringify({ date, machine, quick, server, sizes: SIZES, figures: figures.map((f) => ({ ...f, met: met(f) })) }, null, 2)}\n`,
  );
  // RESULTS.md leads with the dev server's run (the one `npm run dev` users have) and, once both
  // servers have a run on record, puts every figure of the two side by side.
  const runs = { dev: readRun(outDir, 'dev'), cluster: readRun(outDir, 'cluster') };
  const lead = runs.dev ?? runs.cluster!;
  const leadWhen = `${lead.date.slice(0, 10)} (${lead.date})`;
  let markdown = resultsMarkdown(leadWhen, lead.machine, markdownTable(lead.figures), lead.quick, sizes, lead.server?.description ?? server.description);
  if (runs.dev && runs.cluster) markdown += bothServers(runs.dev, runs.cluster);
  writeFileSync(path.join(outDir, 'RESULTS.md'), markdown + keptNotes(path.join(outDir, 'RESULTS.md')));
  log(`wrote ${path.relative(ROOT, outDir) || '.'}/${RESULTS_FILE[server.kind]} and RESULTS.md`);
}

/** What people wrote about a run, below this marker in RESULTS.md: kept when the figures are rewritten. */
const NOTES_MARKER = '<!-- notes: written by hand, kept by bench/report.ts -->';

function keptNotes(file: string): string {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = old.indexOf(NOTES_MARKER);
  return at >= 0 ? `\n${old.slice(at)}` : '';
}

function readRun(outDir: string, kind: 'dev' | 'cluster'): RunRecord | undefined {
  const file = path.join(outDir, RESULTS_FILE[kind]);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunRecord) : undefined;
}

/** Where the two runs were measured: one machine, or two, named, when their descriptions differ. */
export function whereMeasured(dev: Pick<RunRecord, 'machine'>, cluster: Pick<RunRecord, 'machine'>): string {
  if (dev.machine === cluster.machine) return 'on the same machine';
  return `on different machines (dev server: ${dev.machine}; cluster: ${cluster.machine}), so only the ratios compare`;
}

function bothServers(dev: RunRecord, cluster: RunRecord): string {
  return `
## The same scenarios on both servers

\`npm run bench\` (dev server, ${dev.date}${dev.quick ? ', --quick' : ''}) and \`npm run bench -- --server cluster\`
(${cluster.date}${cluster.quick ? ', --quick' : ''}), ${whereMeasured(dev, cluster)}. Each ratio is against baselines measured in its own
run; the server CPU rows are what the Temporal server spent per email (for the cluster: the server process and its
PostgreSQL).

- **Dev server:** ${dev.server?.description ?? 'the dev server'}
- **Cluster:** ${cluster.server?.description ?? 'the cluster'}

${sideBySide([
  { title: 'dev server', figures: dev.figures },
  { title: 'cluster', figures: cluster.figures },
])}
`;
}

function resultsMarkdown(when: string, machine: string, table: string, quick: boolean, SIZES: ReportOptions['sizes'], serverDescription: string): string {
  return `# Benchmark results

Latest run of \`npm run bench${quick ? ' -- --quick' : ''}\`, written by the benchmark itself (\`bench/run.ts\`).

- **Date:** ${when}
- **Machine:** ${machine}
- **Commands:** \`npm ci\`, then \`npm run bench\` (about ten minutes; \`npm run bench -- --quick\` is a smaller smoke run)
- **Temporal server:** ${serverDescription}
- **Service:** \`node dist/src/server.js\` and \`node dist/src/worker.js\` (the production build), SMTP pool of ${POOL}
  connections, \`SWEEP_PAGE_SIZE\` 200, \`LOG_LEVEL=warn\`; embedded PostgreSQL; the SMTP sink is \`bench/sink.ts\` in
  a process of its own, keeping only each message's Message-ID and arrival time

Every headline figure is a ratio against a baseline measured in the same run, on the same dev server and sink:
these machines are shared, and absolute times drift from run to run.

${table}

## What each figure measures

- **L1 raw SMTP:** ${SIZES.l1} emails (the reminder template's size) through one pooled nodemailer transport with
  ${POOL} connections, all queued at once, until the sink has them all. It runs in ${SIZES.rounds} rounds before each round of the
  batch path, and in ${SIZES.rounds} rounds of ${SIZES.sweeps[1]} emails before each round of the sweep of ${SIZES.sweeps[1]}; each ratio to L1 is
  taken against the L1 rounds paired with it (each side's emails over the summed time of its rounds), as L2 is
  paired with scenario 1. Each set of rounds starts with an L1 warm-up of up to 1000 emails. An L1 run takes
  seconds, and a lone one samples the machine's speed at one moment: three runs of 2026-12-02 measured it once
  each, at 808, 1,106 and 1,019 emails/s. The L1 figure is all its rounds together.
- **L2 Temporal floor:** ${SIZES.l2} runs of \`bench/floor-workflows.ts\`: the activities \`SendEmailWorkflow\`
  runs with enhancement off (a local activity, then an activity), doing nothing, on a worker with the SDK's
  defaults in its own process; ${STARTS_IN_FLIGHT} starts in flight, until every run completes.
- **Server cost:** the Temporal dev server's CPU time (user + system, from /proc) over a scenario divided by
  its emails, and the mean history length (from describe) of the first 20 of its workflows.
- **Scenario 1:** ${SIZES.single} \`POST /message\` (${STARTS_IN_FLIGHT} in flight) until every email is at the sink; latency is
  from the request to the email's arrival.
- **L2 against scenario 1:** both run in ${SIZES.rounds} alternating rounds (L2, then scenario 1, each with its share of the runs),
  so that a drift of the machine's speed during the run falls on both; each rate is the runs over the summed time
  of its rounds. Before the rounds both workers are warmed alike with ${SIZES.warm} runs, so that neither side is
  measured while its process is new: the service's worker spent more CPU per email on its first few hundred
  emails than afterwards (the hand notes below have the figures), and the L2 worker, whose activities do
  nothing, showed no such ramp. The warm-up's own ratio is in the table too.
- **Scenario 6 (batch path):** ${SIZES.batches} \`POST /messages\` of 100 messages each, sent at once; each request is one
  \`BatchSendWorkflow\` whose activity sends over the worker's shared SMTP pool; timed from the first request to the
  last email at the sink; ${SIZES.rounds} rounds, each after an L1 round. History events per email: the batch workflows'
  mean history length ÷ 100.
- **Scenario 2:** \`POST /message\` on a fixed timetable (open loop, no coordinated omission): at half the rate
  scenario 1 measured, for ${SIZES.seconds} s (p99 target 50 ms); then at three times that rate for ${SIZES.overloadSeconds} s, where every
  request must be answered 202 and every email delivered.
- **Scenario 3:** tasks due in the next day, then \`DueTaskSweepWorkflow\` started as \`temporal schedule trigger\`
  starts it; timed from the start to the last reminder at the sink, with every task checked as marked. The sweep
  of ${SIZES.sweeps[0]} runs once (it also warms the sweep up), the sweep of ${SIZES.sweeps[1]} in ${SIZES.rounds} rounds, each after an L1 round;
  its time is the mean of its rounds.
- **Scenario 4:** RSS of the worker and API processes, sampled every 100 ms from the warm-up to the end of
  scenario 5, on the worker's default bounds (\`WORKER_MAX_CACHED_WORKFLOWS\`); then scenario 1 again on a worker
  with the cache size the SDK would pick for this heap (warmed alike), for the bound's throughput cost.
- **Scenario 5:** ${SIZES.crash} \`POST /message\` while no worker runs; then a worker drains them and is killed with
  SIGKILL four times (at a fifth, two fifths, … of the emails delivered), a new one started after each kill.
  Lost and duplicated emails are counted at the sink by Message-ID.
- **Scenario 7 (workflow set-up):** the recorded history of the single path's first attempt, replayed
  ${SIZES.setUp.n} times per round through the SDK's replayer in ${SIZES.setUp.rounds} alternating rounds, with the service's
  bundle (the modules of \`workflows/\` evaluated once and shared by all workflows) and with the SDK's default
  (evaluated once per workflow), after two rounds of each to warm up; the figures are the bench process's median CPU per
  replayed workflow on each side and the median of the ratios of each pair of rounds.
`;
}

