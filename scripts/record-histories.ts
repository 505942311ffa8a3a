// `npm run record-histories`: runs each workflow path that matters on a Temporal dev server of its own,
// with the fakes the workflow tests use, and writes each execution's history to
// test/histories/<WorkflowType>/<path>.json, which test/workflows/replay.test.ts replays.
//
// Histories are only ever added: an existing file is kept (its path is not run again) unless
// `--overwrite` is given. An old history stands for emails already waiting on old code; regenerating it
// over the old one would hide exactly the break the replay test is there to catch.
// Arguments narrow the run to paths whose file names contain them: `npm run record-histories -- sweep`.
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ensureTemporal, ROOT } from './tools.mjs';
import { bundleWorkflows } from './workflow-bundle.mjs';
import { freePort } from '../src/dev/ports.js';
import { startTemporalDevServer } from '../src/dev/temporal-server.js';
import { batchScenarios } from './record-histories/batches.js';
import { deliveryScenarios } from './record-histories/delivery.js';
import { emailScenarios } from './record-histories/emails.js';
import { IDENTITY, Recorder, type Recorded, type Scenario } from './record-histories/recorder.js';
import { reminderScenarios } from './record-histories/reminders.js';
import { sweepScenarios } from './record-histories/sweeps.js';
import { historyToJSONObject, HISTORIES_DIR } from '../test/workflows/replay-files.js';

const scenarios: Scenario[] = [...emailScenarios, ...reminderScenarios, ...sweepScenarios, ...deliveryScenarios, ...batchScenarios];

const fileOf = (name: string) => path.join(HISTORIES_DIR, `${name}.json`);

/** The file's content: the history as the SDK writes it, plus the workflow id a replay needs. */
async function write(r: Recorder, rec: Recorded): Promise<void> {
  const history = await r.history(rec.workflowId, rec.runId);
  const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  if (`${type}/` !== rec.file.slice(0, rec.file.indexOf('/') + 1)) throw new Error(`${rec.file} holds a ${type} history`);
  // Failures carry stack traces; this checkout's location has no place in the repo.
  // Paths of this machine stay out of the repo: the project's, and node_modules' real one (a copy of the
  // project may link its node_modules from elsewhere).
  const nodeModules = path.dirname(realpathSync(path.join(ROOT, 'node_modules')));
  const json = JSON.stringify(historyToJSONObject(history)).split(ROOT).join('<root>').split(nodeModules).join('<root>');
  const doc = { workflowId: rec.workflowId, workflowType: type, recorded: new Date().toISOString().slice(0, 10), history: JSON.parse(json) };
  mkdirSync(path.dirname(fileOf(rec.file)), { recursive: true });
  writeFileSync(fileOf(rec.file), `${JSON.stringify(doc, null, 1)}\n`);
}

async function main() {
  const args = process.argv.slice(2);
  const overwrite = args.includes('--overwrite');
  const filters = args.filter((a) => !a.startsWith('--'));
  const chosen = scenarios.filter((s) => !filters.length || s.files.some((f) => filters.some((x) => f.includes(x))));
  const todo = chosen.filter((s) => overwrite || s.files.some((f) => !existsSync(fileOf(f))));
  for (const s of chosen) if (!todo.includes(s)) console.log(`[histories] kept  ${s.files.join(', ')}`);
  if (!todo.length) return console.log('[histories] nothing to record: every file exists (--overwrite replaces them)');

  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const bin = ensureTemporal({ cliPath: process.env.TEMPORAL_CLI_PATH, pathVar: process.env.PATH });
  const server = await startTemporalDevServer({ bin, port: await freePort(), headless: true });
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  try {
    const code = await bundleWorkflows(new DefaultLogger('ERROR'));
    const r = new Recorder(new Client({ connection, identity: IDENTITY }), native, code);
    for (const s of todo) {
      const recorded = await s.run(r);
      const expected = [...s.files].sort().join();
      if (recorded.map((x) => x.file).sort().join() !== expected) throw new Error(`path recorded ${recorded.map((x) => x.file)} instead of ${s.files}`);
      for (const rec of recorded) {
        if (existsSync(fileOf(rec.file)) && !overwrite) {
          console.log(`[histories] kept  ${rec.file}`);
          continue;
        }
        await write(r, rec);
        console.log(`[histories] wrote ${rec.file}`);
      }
    }
  } finally {
    await connection.close();
    await native.close();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
