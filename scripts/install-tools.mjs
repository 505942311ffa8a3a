// `npm install` / `npm ci` hook: make sure the Temporal CLI is there, so `npm run dev`,
// `npm test` and `npm run temporal -- schedule trigger ...` work without any hand set-up.
import { ensureTemporal } from './tools.mjs';

try {
  const bin = ensureTemporal({ cliPath: process.env.TEMPORAL_CLI_PATH, pathVar: process.env.PATH });
  console.log(`[tools] Temporal CLI: ${bin}`);
} catch (err) {
  // Never fail the install itself: `npm run dev` retries and explains.
  console.warn(`[tools] ${err.message}`);
}
