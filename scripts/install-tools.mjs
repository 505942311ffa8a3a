// `npm install` / `npm ci` hook: make sure the Temporal CLI is there, so `npm run dev`,
// `npm test` and `npm run temporal -- schedule trigger ...` work without any hand set-up.
import { ensureTemporal } from './tools.mjs';

// Container images and production installs run no dev server: they opt out.
if (process.env.MAILER_SKIP_TOOLS === '1') process.exit(0);

try {
  const bin = ensureTemporal({ cliPath: process.env.TEMPORAL_CLI_PATH, pathVar: process.env.PATH });
  console.log(`[tools] Temporal CLI: ${bin}`);
} catch (err) {
  // Never fail the install itself: `npm run dev` retries and explains.
  console.warn(`[tools] ${err.message}`);
}
