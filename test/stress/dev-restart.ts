// `npm run stress:restart [-- ROUNDS [BUSY_LOOPS]]`: the dev-stack test's Ctrl-C and restart, ROUNDS times in a
// row (20 by default) with BUSY_LOOPS processes spinning beside it (2 by default, one per core here), each
// round on the same DATA_DIR and ports, as a user's restarts are. An email sent in round 1 must still be
// known in every later round, and when npm has exited no process of the stack may still run. Stops at the
// first failure and prints the stack's own output.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canConnect } from '../../src/dev/ports.js';
import { DevStack, stackPorts } from '../support/dev-stack.js';
import { processesUsing } from '../support/leftovers.js';

const rounds = Number(process.argv[2] ?? 20);
const busyLoops = Number(process.argv[3] ?? 2);

function busy(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
}

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), 'mailer-restart-'));
  chmodSync(work, 0o755);
  const stack = new DevStack({ DATA_DIR: path.join(work, 'data'), ...(await stackPorts()), LOG_LEVEL: 'warn' });
  const { env } = stack;
  const loops = Array.from({ length: busyLoops }, busy);
  let emailId = '';
  try {
    for (let round = 1; round <= rounds; round++) {
      const t0 = Date.now();
      stack.log = '';
      await stack.start();
      if (!emailId) {
        const res = await fetch(`${stack.api}/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ destinataire: 'a@example.com', sujet: 'Restart', message: 'Kept' }) });
        assert.equal(res.status, 202);
        emailId = ((await res.json()) as { workflow_id: string }).workflow_id;
      }
      assert.equal((await stack.waitSent(emailId)).state, 'sent', `round ${round}: the email is known and sent`);
      await stack.stop();
      // A Temporal server still shutting down holds its SQLite file and ports, and the next start fails on them.
      assert.equal(processesUsing(env.DATA_DIR!), '', `round ${round}: no process of the stack outlives npm run dev`);
      for (const port of [env.PORT, env.TEMPORAL_ADDRESS!.split(':')[1], env.TEMPORAL_UI_PORT, env.EMBEDDED_POSTGRES_PORT, env.MAILCATCHER_SMTP_PORT, env.MAILCATCHER_HTTP_PORT]) {
        assert.equal(await canConnect(Number(port)), false, `round ${round}: port ${port} closed after Ctrl-C`);
      }
      console.log(`[stress] round ${round}/${rounds} passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    console.log(`[stress] ${rounds} passed, 0 failed`);
  } catch (err) {
    console.error(`[stress] failed: ${(err as Error).message}\n--- the stack's output ---\n${stack.log.slice(-6000)}`);
    process.exitCode = 1;
  } finally {
    await stack.stopAndReap().catch(() => {});
    for (const l of loops) l.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
