// Issue: `npm run dev` as root from a clone in root's home (mode 0700) crashed with an unhandled EACCES:
// PostgreSQL runs as the `postgres` user under root, and that user could reach neither the binaries in
// node_modules nor the data folder. Here the project is copied into a 0700 folder and started from there.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../../scripts/tools.mjs';
import { createSql } from '../../src/db/client.js';
import { embeddedPostgresUrl } from '../../src/dev/postgres.js';
import { ROOT_RUNTIME_DIR } from '../../src/dev/postgres-access.js';
import { DevStack, npm, output, stackPorts } from '../support/dev-stack.js';
import { infra } from '../support/env.js';
import { processesUsing } from '../support/leftovers.js';

const asRoot = process.getuid?.() === 0;

/** The project as a clone has it (no .git, .data or .tools), hard-linked where the filesystem allows. */
function copyProject(to: string) {
  mkdirSync(to);
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', '.npmrc', 'src', 'workflows', 'activities', 'scripts', 'node_modules']) {
    const from = path.join(ROOT, entry);
    try {
      execFileSync('cp', ['-al', from, to]);
    } catch {
      cpSync(from, path.join(to, entry), { recursive: true, verbatimSymlinks: true });
    }
  }
}

describe('npm run dev from a project and DATA_DIR inside a 0700 folder' + (asRoot ? ', as root' : ''), () => {
  let privateDir: string;
  let stack: DevStack;
  const dataDir = () => path.join(privateDir, 'project', '.data');

  before(async () => {
    privateDir = mkdtempSync(path.join(infra.workDir, 'private-'));
    chmodSync(privateDir, 0o700);
    copyProject(path.join(privateDir, 'project'));
    // DATA_DIR as its default, .data inside the project, spelled out for the mail catcher's folder.
    stack = new DevStack({ DATA_DIR: dataDir(), ...(await stackPorts()), TEMPORAL_CLI_PATH: infra.temporalCli, LOG_LEVEL: 'warn' }, path.join(privateDir, 'project'));
    await stack.start();
  });
  after(async () => {
    await stack.stopAndReap();
    const pgData = path.join(dataDir(), 'postgres');
    // The data folder this test made outside the project (under root) goes with the test.
    if (asRoot && lstatSync(pgData, { throwIfNoEntry: false })?.isSymbolicLink()) rmSync(readlinkSync(pgData), { recursive: true, force: true });
    rmSync(privateDir, { recursive: true, force: true });
  });

  test('the stack starts, says where PostgreSQL lives, and an email and a sweep go through', async () => {
    if (asRoot) {
      assert.match(stack.log, new RegExp(`PostgreSQL runs from a copy in ${ROOT_RUNTIME_DIR}/postgresql-`), stack.log);
      assert.match(processesUsing(`${ROOT_RUNTIME_DIR}/postgresql-`), /bin\/postgres -D /, 'the server runs from the copy');
      assert.match(stack.log, /the PostgreSQL data lives in .*\.data\/postgres links to it/, stack.log);
      const link = path.join(dataDir(), 'postgres');
      assert.ok(lstatSync(link).isSymbolicLink(), '.data/postgres links to the data outside the private folder');
      assert.ok(readlinkSync(link).startsWith(`${ROOT_RUNTIME_DIR}/data-`));
    }
    const res = await fetch(`${stack.api}/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ destinataire: 'a@example.com', sujet: 'Private', message: 'From a 0700 folder' }) });
    assert.equal(res.status, 202);
    const { workflow_id } = (await res.json()) as { workflow_id: string };
    assert.equal((await stack.waitSent(workflow_id)).state, 'sent');

    const cwd = path.join(privateDir, 'project');
    const seeded = await output(npm(['seed', 'private-owner@example.com'], stack.env, cwd));
    assert.equal(seeded.code, 0, seeded.out);
    const trigger = await output(npm(['temporal', '--', 'schedule', 'trigger', '--schedule-id', 'due-task-sweep', '--address', stack.env.TEMPORAL_ADDRESS!], stack.env, cwd));
    assert.equal(trigger.code, 0, trigger.out);
    let reminders = 0;
    for (let i = 0; i < 300 && reminders < 2; i++) {
      await new Promise((r) => setTimeout(r, 200));
      reminders = (await stack.caught()).filter((m) => m.subject?.startsWith('Reminder:')).length;
    }
    assert.equal(reminders, 2, 'both due reminders reached the mail catcher');
  });

  test('the data survives a restart', async () => {
    const sent = (await stack.caught()).find((m) => m.subject === 'Private')!;
    const id = sent.messageId!.replace(/^<(.*)@.*>$/, '$1');
    await stack.stop();
    const pgData = realpathSync(path.join(dataDir(), 'postgres'));
    assert.equal(processesUsing(dataDir()) + processesUsing(pgData), '', `nothing of the stack outlives npm run dev; its output:\n${stack.log.slice(-3000)}`);
    await stack.start();
    const again = (await (await fetch(`${stack.api}/message/${id}`)).json()) as { state: string };
    assert.equal(again.state, 'sent', 'Temporal kept the email');
    const sql = createSql(embeddedPostgresUrl(Number(stack.env.EMBEDDED_POSTGRES_PORT)), { max: 1 });
    try {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM task_reminders`;
      const n = row?.n;
      assert.equal(n, 2, 'PostgreSQL kept the two reminders on record');
    } finally {
      await sql.end();
    }
  });
});

describe('npm run dev where the embedded PostgreSQL cannot work', () => {
  test('one clear line with the cause and the fixes, no stack trace, and what had started is stopped', async () => {
    const privateDir = mkdtempSync(path.join(infra.workDir, 'private-data-'));
    chmodSync(privateDir, 0o700);
    const data = path.join(privateDir, 'data');
    // Data already initialised where the postgres user cannot reach it: it cannot be moved without asking.
    mkdirSync(path.join(data, 'postgres'), { recursive: true });
    writeFileSync(path.join(data, 'postgres', 'PG_VERSION'), '18\n');
    try {
      const run = await output(npm(['dev'], { DATA_DIR: data, ...(await stackPorts()), TEMPORAL_CLI_PATH: infra.temporalCli, LOG_LEVEL: 'warn' }));
      assert.equal(run.code, 1, run.out);
      const lines = run.out.split('\n').filter((l) => /PostgreSQL/.test(l) && l.startsWith('[dev] '));
      assert.equal(lines.length, 1, run.out);
      if (asRoot) assert.match(lines[0]!, /cannot reach the PostgreSQL data in .*: move it, or set DATABASE_URL .*non-root user/);
      assert.doesNotMatch(run.out, /Unhandled|Emitted 'error' event|^\s+at /m, 'no stack trace');
      assert.match(run.out, /\[dev\] stopping/);
      assert.equal(processesUsing(data), '', 'the Temporal server it had started is stopped');
    } finally {
      rmSync(privateDir, { recursive: true, force: true });
    }
  });
});
