// `npm run stress:restart [-- ROUNDS [BUSY_LOOPS]]`: the dev-stack test's Ctrl-C and restart, ROUNDS times in a
// row (20 by default) with BUSY_LOOPS processes spinning beside it (2 by default, one per core here), each
// round on the same DATA_DIR and ports as a user's restarts are. An email sent in round 1 must still be
// known in every later round. Stops at the first failure and prints the stack's own output.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../../scripts/tools.mjs';
import { canConnect, freePort, waitForPort } from '../../src/dev/ports.js';
import { processesUsing } from '../support/leftovers.js';

const rounds = Number(process.argv[2] ?? 20);
const busyLoops = Number(process.argv[3] ?? 2);

function busy(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
}

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), 'mailer-restart-'));
  chmodSync(work, 0o755);
  const env: Record<string, string> = {
    DATA_DIR: path.join(work, 'data'),
    PORT: String(await freePort()),
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    MAILCATCHER_SMTP_PORT: String(await freePort()),
    MAILCATCHER_HTTP_PORT: String(await freePort()),
    WORKER_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  const api = `http://127.0.0.1:${env.PORT}`;
  const loops = Array.from({ length: busyLoops }, busy);
  let emailId = '';
  let log = '';
  let stack: ChildProcess | undefined;
  try {
    for (let round = 1; round <= rounds; round++) {
      const t0 = Date.now();
      log = '';
      stack = spawn('npm', ['run', '--silent', 'dev'], { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      stack.stdout?.on('data', (d: Buffer) => (log += d));
      stack.stderr?.on('data', (d: Buffer) => (log += d));
      const exited = new Promise<never>((_, reject) => stack!.once('exit', (c) => reject(new Error(`npm run dev exited with ${c}`))));
      exited.catch(() => {});
      await Promise.race([waitForPort(Number(env.PORT), 180_000), exited]);
      if (!emailId) {
        const res = await fetch(`${api}/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ destinataire: 'a@example.com', sujet: 'Restart', message: 'Kept' }) });
        assert.equal(res.status, 202);
        emailId = ((await res.json()) as { workflow_id: string }).workflow_id;
      }
      let state = '';
      for (let i = 0; i < 300 && state !== 'sent'; i++) {
        state = ((await (await fetch(`${api}/message/${emailId}`)).json()) as { state: string }).state;
        if (state !== 'sent') await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(state, 'sent', `round ${round}: the email is known and sent`);
      const done = new Promise((r) => stack!.once('exit', r));
      process.kill(-stack.pid!, 'SIGINT');
      await done;
      // `npm run dev` has exited: nothing it started may still run (a server still shutting down holds
      // its SQLite file and ports, and the next start fails on them).
      const left = processesUsing(env.DATA_DIR!);
      assert.equal(left, '', `round ${round}: processes of the stack still running after npm exited:\n${left}`);
      for (const port of [env.PORT, env.TEMPORAL_ADDRESS!.split(':')[1], env.TEMPORAL_UI_PORT, env.EMBEDDED_POSTGRES_PORT, env.MAILCATCHER_SMTP_PORT, env.MAILCATCHER_HTTP_PORT]) {
        assert.equal(await canConnect(Number(port)), false, `round ${round}: port ${port} closed after Ctrl-C`);
      }
      console.log(`[stress] round ${round}/${rounds} passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    console.log(`[stress] ${rounds} passed, 0 failed`);
  } catch (err) {
    console.error(`[stress] failed: ${(err as Error).message}\n--- the stack's output ---\n${log.slice(-6000)}`);
    process.exitCode = 1;
  } finally {
    if (stack && stack.exitCode === null && stack.signalCode === null) process.kill(-stack.pid!, 'SIGKILL');
    for (const l of loops) l.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
