// `npm run build`: compile to dist/ and prebuild the workflow bundle, so that the production worker
// runs with plain `node` and bundles nothing at start-up.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './tools.mjs';
import { bundleWorkflows } from './workflow-bundle.mjs';

const dist = path.join(ROOT, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
cpSync(path.join(ROOT, 'src/db/migrations'), path.join(dist, 'src/db/migrations'), { recursive: true });
const code = await bundleWorkflows();
mkdirSync(dist, { recursive: true });
writeFileSync(path.join(dist, 'workflow-bundle.js'), code);
console.log(`built dist/ and dist/workflow-bundle.js (${(code.length / 1024).toFixed(0)} KiB)`);
