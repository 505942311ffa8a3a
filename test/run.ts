// `npm test`: starts the real parts once (Temporal dev server, PostgreSQL, the SES emulator),
// bundles the workflows once, then runs every test file with node's test runner against them.
// Arguments narrow the run: `npm test -- test/unit`. `--server cluster` (or TEST_SERVER=cluster)
// runs the same files on a real Temporal cluster on PostgreSQL instead (`npm run test:cluster`).
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureChromium, ensureMotoServer, ensureTemporal, ROOT } from '../scripts/tools.mjs';
import { bundleWorkflows, QUIET_BUNDLER_LOGGER } from '../scripts/workflow-bundle.mjs';
import { freePort, waitForPort } from '../src/dev/ports.js';
import { startEmbeddedPostgres } from '../src/dev/postgres.js';
import { startTemporalDevServer, stopChild } from '../src/dev/temporal-server.js';
import { startTestCluster, testServerKind } from './support/cluster.js';

/**
 * What `--server cluster` runs by default: every suite that talks to the harness's server. Not
 * test/e2e/dev-stack.test.ts: it tests `npm run dev`, which brings its own dev server by design.
 */
const CLUSTER_SUITES = ['test/integration', 'test/api', 'test/e2e/production-build.test.ts', 'test/cluster'];

/** test/cluster starts clusters of its own (TLS, several processes): only with --server cluster or when named. */
const CLUSTER_ONLY = path.join(ROOT, 'test/cluster');

function testFiles(targets: string[], kind: 'dev' | 'cluster'): string[] {
  const out: string[] = [];
  const walk = (p: string, named = false) => {
    if (p === CLUSTER_ONLY && kind === 'dev' && !named) return;
    if (statSync(p).isDirectory()) for (const f of readdirSync(p).sort()) walk(path.join(p, f));
    else if (/\.test\.ts$/.test(p)) out.push(p);
  };
  for (const t of targets.length ? targets : ['test']) walk(path.resolve(ROOT, t), true);
  return out;
}

async function main() {
  const { kind, rest } = testServerKind(process.argv.slice(2));
  const files = testFiles(rest.length || kind === 'dev' ? rest : CLUSTER_SUITES, kind);
  const work = mkdtempSync(path.join(tmpdir(), 'mailer-test-'));
  // The embedded PostgreSQL runs as its own user when we are root: it must reach its data folder.
  chmodSync(work, 0o755);
  const stops: (() => Promise<unknown>)[] = [];
  let code = 1;
  try {
    const temporalBin = ensureTemporal({ cliPath: process.env.TEMPORAL_CLI_PATH, pathVar: process.env.PATH });
    const motoBin = ensureMotoServer();
    const chromium = files.some((f) => f.includes(`${path.sep}e2e${path.sep}`)) ? ensureChromium(process.env.CHROMIUM_PATH) : '';

    const started = Date.now();
    const temporal =
      kind === 'cluster'
        ? await startTestCluster({ dir: path.join(work, 'cluster') })
        : await startTemporalDevServer({ bin: temporalBin, port: await freePort(), headless: true });
    stops.push(() => temporal.stop());
    if (kind === 'cluster') console.log(`[test] Temporal cluster (PostgreSQL) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    let databaseUrl = process.env.TEST_DATABASE_URL;
    if (!databaseUrl) {
      const db = await startEmbeddedPostgres({ dir: path.join(work, 'pg'), port: await freePort(), persistent: false, database: 'postgres' });
      stops.push(() => db.stop());
      databaseUrl = db.url;
    }

    const motoPort = await freePort();
    const moto = spawn(motoBin, ['-H', '127.0.0.1', '-p', String(motoPort)], { stdio: 'ignore' });
    stops.push(() => stopChild(moto));
    await waitForPort(motoPort, 60_000);

    const bundlePath = path.join(work, 'workflow-bundle.js');
    writeFileSync(bundlePath, await bundleWorkflows(QUIET_BUNDLER_LOGGER));

    const env = {
      ...process.env,
      NODE_ENV: 'test',
      TEST_SERVER: kind,
      TEST_TEMPORAL_ADDRESS: temporal.address,
      TEST_TEMPORAL_CLI: temporalBin,
      TEST_DATABASE_URL: databaseUrl,
      TEST_SES_ENDPOINT: `http://127.0.0.1:${motoPort}`,
      TEST_WORKFLOW_BUNDLE: bundlePath,
      TEST_WORK_DIR: work,
      TEST_CHROMIUM: chromium,
    };
    console.log(`[test] ${files.length} files; Temporal ${kind === 'cluster' ? 'cluster' : 'dev server'} ${temporal.address}; SES emulator :${motoPort}`);
    const runner = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
      stdio: 'inherit',
      env,
      cwd: ROOT,
    });
    code = await new Promise<number>((resolve) => runner.once('exit', (c) => resolve(c ?? 1)));
  } catch (err) {
    console.error(err);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(code);
}

void main();
