// `npm run temporal -- <args>`: the Temporal CLI the project found or installed, with its arguments.
import { spawnSync } from 'node:child_process';
import { ensureTemporal } from './tools.mjs';

const bin = ensureTemporal({ cliPath: process.env.TEMPORAL_CLI_PATH, pathVar: process.env.PATH });
const r = spawnSync(bin, process.argv.slice(2), { stdio: 'inherit' });
process.exit(r.status ?? 1);
