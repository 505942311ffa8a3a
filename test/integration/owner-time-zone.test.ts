import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTaskStore } from '../../src/db/tasks.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { renderReminder } from '../../src/reminders/render.js';
import type { SweepSummary } from '../../src/shared.js';
import { createTestDatabase, seedTasks } from '../support/db.js';
import { testConfig } from '../support/env.js';
import { startTestWorker } from '../support/worker.js';

const HOUR = 3_600_000;
type Db = Awaited<ReturnType<typeof createTestDatabase>>;

/** A sweep on a worker of its own, over this database, then the caught mail. */
async function sweepWith(db: Db, vars: Record<string, string>, windowStart: Date) {
  const sink = new MailCatcher();
  const port = await sink.start();
  const config = testConfig({ DATABASE_URL: db.url, SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(port), REMINDER_TIME_ZONE: 'Europe/Paris', ...vars });
  const w = await startTestWorker(config);
  try {
    const summary = (await w.client.workflow.execute('DueTaskSweepWorkflow', {
      taskQueue: config.temporal.taskQueue,
      workflowId: `tz-sweep-${randomUUID()}`,
      args: [{ windowStart: windowStart.toISOString() }],
    })) as SweepSummary;
    return { summary, mails: [...sink.messages] };
  } finally {
    await w.stop();
    await sink.stop();
  }
}

describe("reminders in the owner's time zone (users.time_zone, when the table has it)", () => {
  const T = new Date('2033-03-01T08:00:00.000Z');
  let db: Db;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => db?.drop());

  test('without the column (the shared schema as it is): REMINDER_TIME_ZONE, as before', async () => {
    await seedTasks(db.sql, [{ title: 'Old schema', dueAt: new Date(T.getTime() + HOUR), ownerEmail: 'old@example.com' }]);
    const { summary, mails } = await sweepWith(db, {}, T);
    assert.equal(summary.sent, 1);
    assert.match(mails[0]!.subject ?? '', /10:00 \(Europe\/Paris\)/);
  });

  test('with the column: each owner reads their zone, named; null or invalid falls back with a warning, never a failure', async () => {
    await db.sql`ALTER TABLE users ADD COLUMN time_zone text`;
    await seedTasks(db.sql, [
      { title: 'Tokyo task', dueAt: new Date(T.getTime() + 2 * HOUR), ownerEmail: 'tokyo@example.com' },
      { title: 'Bad zone task', dueAt: new Date(T.getTime() + 3 * HOUR), ownerEmail: 'bad@example.com' },
      { title: 'No zone task', dueAt: new Date(T.getTime() + 4 * HOUR), ownerEmail: 'none@example.com' },
    ]);
    await db.sql`UPDATE users SET time_zone = 'Asia/Tokyo' WHERE email = 'tokyo@example.com'`;
    await db.sql`UPDATE users SET time_zone = 'Mars/Olympus_Mons' WHERE email = 'bad@example.com'`;
    const { summary, mails } = await sweepWith(db, {}, T);
    assert.deepEqual({ sent: summary.sent, failed: summary.failed }, { sent: 3, failed: 0 });
    const subject = (to: string) => mails.find((m) => m.to === to)?.subject ?? '';
    assert.match(subject('tokyo@example.com'), /Tuesday, 1 March 2033 at 19:00 \(Asia\/Tokyo\)/);
    assert.match(subject('bad@example.com'), /12:00 \(Europe\/Paris\)/);
    assert.match(subject('none@example.com'), /13:00 \(Europe\/Paris\)/);

    // The store reads the zone; an invalid one is reported through the warning hook.
    const store = createTaskStore(db.sql);
    await db.sql`UPDATE tasks SET notification_sent = false`;
    await db.sql`DELETE FROM task_reminders`;
    const page = await store.findDue({ windowStart: T.toISOString(), windowEnd: new Date(T.getTime() + 24 * HOUR).toISOString(), limit: 10 });
    const bad = page.tasks.find((t) => t.title === 'Bad zone task')!;
    const warnings: Record<string, unknown>[] = [];
    renderReminder(bad, { timeZone: 'UTC', warn: (_m, fields) => warnings.push(fields) });
    assert.deepEqual(warnings.map((w) => [w.ownerTimeZone, w.fallback]), [['Mars/Olympus_Mons', 'UTC']]);
  });

  test('the digest lists every task in the owner zone', async () => {
    await db.sql`UPDATE tasks SET notification_sent = false`;
    await db.sql`DELETE FROM task_reminders`;
    const { mails } = await sweepWith(db, { REMINDER_DIGEST: 'true' }, T);
    const tokyo = mails.find((m) => m.to === 'tokyo@example.com');
    assert.ok(tokyo, 'a digest to the Tokyo owner');
    assert.match(tokyo.text ?? '', /"Tokyo task" .*19:00 \(Asia\/Tokyo\)/);
    assert.match(tokyo.html ?? '', /19:00 \(Asia\/Tokyo\)/);
    assert.match(mails.find((m) => m.to === 'none@example.com')?.text ?? '', /13:00 \(Europe\/Paris\)/);
  });
});
