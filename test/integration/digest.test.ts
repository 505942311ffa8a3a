import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import type { SweepSummary } from '../../src/shared.js';
import { createTestDatabase, seedTasks } from '../support/db.js';
import { testConfig } from '../support/env.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

const HOUR = 3_600_000;

describe('digest mode (REMINDER_DIGEST=true): one email per owner, each task still reminded once', () => {
  const sink = new MailCatcher();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let w: TestWorker;
  let taskQueue: string;

  before(async () => {
    db = await createTestDatabase();
    const port = await sink.start();
    const config = testConfig({ DATABASE_URL: db.url, SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(port), REMINDER_DIGEST: 'true', SWEEP_PAGE_SIZE: '1', REMINDER_TIME_ZONE: 'Europe/Paris' });
    taskQueue = config.temporal.taskQueue;
    w = await startTestWorker(config);
  });
  after(async () => {
    await w?.stop();
    await sink.stop();
    await db?.drop();
  });

  const sweep = (windowStart: string) =>
    w.client.workflow.execute('DueTaskSweepWorkflow', { taskQueue, workflowId: `digest-sweep-${randomUUID()}`, args: [{ windowStart }] }) as Promise<SweepSummary>;

  test('each owner gets one digest listing exactly their qualifying tasks; all of them are marked', async () => {
    const T = new Date('2032-01-10T08:00:00.000Z');
    const ids = await seedTasks(db.sql, [
      { title: 'A-one', dueAt: new Date(T.getTime() + HOUR), ownerEmail: 'alice@example.com' },
      { title: 'A-two', dueAt: new Date(T.getTime() + 2 * HOUR), ownerEmail: 'alice@example.com' },
      { title: 'A-three', dueAt: new Date(T.getTime() + 3 * HOUR), ownerEmail: 'alice@example.com' },
      { title: 'A-later', dueAt: new Date(T.getTime() + 30 * HOUR), ownerEmail: 'alice@example.com' },
      { title: 'A-done', dueAt: new Date(T.getTime() + HOUR), ownerEmail: 'alice@example.com', completed: true },
      { title: 'B-one', dueAt: new Date(T.getTime() + 4 * HOUR), ownerEmail: 'bob@example.com' },
    ]);
    const summary = await sweep(T.toISOString());
    assert.deepEqual({ found: summary.found, sent: summary.sent, failed: summary.failed }, { found: 4, sent: 4, failed: 0 });
    const alice = sink.messages.filter((m) => m.to === 'alice@example.com');
    const bob = sink.messages.filter((m) => m.to === 'bob@example.com');
    assert.equal(alice.length, 1);
    assert.equal(bob.length, 1);
    assert.equal(alice[0]!.subject, 'Reminder: 3 tasks due soon');
    for (const t of ['A-one', 'A-two', 'A-three']) assert.match(alice[0]!.text ?? '', new RegExp(`"${t}"`));
    assert.doesNotMatch(alice[0]!.text ?? '', /A-later|A-done|B-one/);
    assert.match(alice[0]!.text ?? '', /10:00 \(Europe\/Paris\)/);
    assert.match(alice[0]!.html ?? '', /<li><strong>A-one<\/strong>/);
    const marked = await db.sql`SELECT title FROM tasks WHERE notification_sent ORDER BY title`;
    assert.deepEqual(marked.map((r) => r.title), ['A-one', 'A-three', 'A-two', 'B-one']);
    assert.ok(ids.length === 6);
  });

  test('later and concurrent sweeps send nothing more; a rescheduled task gets a digest of its own, with a new Message-ID', async () => {
    const T = new Date('2032-01-10T08:00:00.000Z');
    await seedTasks(db.sql, [
      { title: 'C-one', dueAt: new Date(T.getTime() + HOUR), ownerEmail: 'carol@example.com' },
      { title: 'C-two', dueAt: new Date(T.getTime() + 2 * HOUR), ownerEmail: 'carol@example.com' },
    ]);
    const before = sink.messages.length;
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => sweep(T.toISOString())));
    assert.equal(concurrent.reduce((n, s) => n + s.sent, 0), 2, 'only Carol\'s two tasks, once');
    assert.equal(sink.messages.length, before + 1);
    assert.equal(sink.messages.at(-1)!.to, 'carol@example.com');
    await db.sql`UPDATE tasks SET due_at = due_at + interval '1 hour', notification_sent = false WHERE title = 'A-two'`;
    const moved = await sweep(T.toISOString());
    assert.equal(moved.sent, 1);
    const alice = sink.messages.filter((m) => m.to === 'alice@example.com');
    assert.equal(alice.length, 2);
    assert.equal(alice[1]!.subject, 'Reminder: 1 task due soon');
    assert.notEqual(alice[0]!.messageId, alice[1]!.messageId);
  });
});
