// `node scripts/install-node.mjs [VERSION]`: a Node.js build from the npm registry's `node-<os>-<cpu>`
// package (the official binary) under .tools/node-VERSION/, reused when present; prints its bin folder.
// CI runs the suite again with it first on PATH, so the production Node (24 LTS) and the newest LTS
// (`node scripts/install-node.mjs newest`) are tested beside the machine's own. Plain JS: it runs
// before any TypeScript tooling.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { TOOLS_DIR } from './tools.mjs';

/** The Node.js the production image runs (Dockerfile: node:24-bookworm-slim), pinned for CI. */
export const NODE_LTS = '24.22.3';
/** The newest LTS line (26, LTS since October 2026), which `engines` admits: CI runs the suite on it too. */
export const NODE_NEWEST = '26.10.0';

export function ensureNode(version = NODE_LTS) {
  const dir = path.join(TOOLS_DIR, `node-${version}`);
  const bin = path.join(dir, 'bin');
  if (existsSync(path.join(bin, 'node'))) return bin;
  const pkg = `node-${process.platform}-${process.arch}@${version}`;
  console.error(`[tools] installing Node.js ${version} (${pkg}) into .tools/node-${version}`);
  mkdirSync(TOOLS_DIR, { recursive: true });
  const work = mkdtempSync(path.join(TOOLS_DIR, 'node-download-'));
  try {
    const tgz = execFileSync('npm', ['pack', pkg, '--silent', '--pack-destination', work], { encoding: 'utf8' }).trim().split('\n').pop();
    execFileSync('tar', ['xzf', path.join(work, tgz), '-C', work]);
    renameSync(path.join(work, 'package'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(ensureNode(process.argv[2] === 'newest' ? NODE_NEWEST : process.argv[2]));
