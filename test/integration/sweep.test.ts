import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Sql } from '../../src/db/client.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import type { SweepSummary } from '../../src/shared.js';
import { createTestDatabase, seedTasks } from '../support/db.js';
import { testConfig } from '../support/env.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

const HOUR = 3_600_000;

describe('DueTaskSweepWorkflow against a real PostgreSQL and SMTP sink', () => {
  const sink = new MailCatcher();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let w: TestWorker;
  let taskQueue: string;

  before(async () => {
    db = await createTestDatabase();
    const port = await sink.start();
    const config = testConfig({ DATABASE_URL: db.url, SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(port), SWEEP_PAGE_SIZE: '7' });
    taskQueue = config.temporal.taskQueue;
    w = await startTestWorker(config);
  });
  after(async () => {
    await w?.stop();
    await sink.stop();
    await db?.drop();
  });

  const sweep = (windowStart: string, id = `sweep-${randomUUID()}`) =>
    w.client.workflow.execute('DueTaskSweepWorkflow', { taskQueue, workflowId: id, args: [{ windowStart }] }) as Promise<SweepSummary>;

  async function marked(sql: Sql, ids: string[]): Promise<string[]> {
    const rows = await sql<{ id: string }[]>`SELECT id FROM tasks WHERE id = ANY(${ids}::bigint[]) AND notification_sent ORDER BY id`;
    return rows.map((r) => String(r.id));
  }

  test('emails exactly the qualifying tasks (boundaries included) to their project owner, and marks exactly those', async () => {
    const T = new Date('2031-03-01T10:00:00.000Z');
    const ids = await seedTasks(db.sql, [
      { title: 'B-at-T', dueAt: T },
      { title: 'B-at-T+24h', dueAt: new Date(T.getTime() + 24 * HOUR) },
      { title: 'B-middle', dueAt: new Date(T.getTime() + 5 * HOUR) },
      { title: 'B-other-owner', dueAt: new Date(T.getTime() + 6 * HOUR), ownerEmail: 'other@example.com' },
      { title: 'B-just-after', dueAt: new Date(T.getTime() + 24 * HOUR + 1) },
      { title: 'B-overdue', dueAt: new Date(T.getTime() - 60_000) },
      { title: 'B-completed', dueAt: new Date(T.getTime() + HOUR), completed: true },
      { title: 'B-notified', dueAt: new Date(T.getTime() + HOUR), notified: true },
    ]);
    const summary = await sweep(T.toISOString());
    assert.equal(summary.windowStart, T.toISOString());
    assert.equal(summary.windowEnd, new Date(T.getTime() + 24 * HOUR).toISOString());
    assert.deepEqual({ found: summary.found, sent: summary.sent, failed: summary.failed, already: summary.alreadyHandled }, { found: 4, sent: 4, failed: 0, already: 0 });
    const mails = sink.messages.filter((m) => m.subject?.includes('"B-'));
    assert.deepEqual(mails.map((m) => m.subject!.match(/"(B-[^"]+)"/)![1]).sort(), ['B-at-T', 'B-at-T+24h', 'B-middle', 'B-other-owner']);
    assert.equal(mails.find((m) => m.subject!.includes('B-other-owner'))!.to, 'other@example.com');
    assert.equal(mails.find((m) => m.subject!.includes('B-middle'))!.to, 'owner@example.com');
    const body = mails.find((m) => m.subject!.includes('B-middle'))!;
    assert.match(body.text ?? '', /Project of owner@example.com/);
    assert.match(body.text ?? '', /Saturday, 1 March 2031 at 15:00 \(UTC\)/);
    assert.match(body.html ?? '', /<strong>B-middle<\/strong>/);
    assert.deepEqual(await marked(db.sql, ids), [ids[0], ids[1], ids[2], ids[3], ids[7]].sort((a, b) => Number(a) - Number(b)));
    const [row] = await db.sql`SELECT notification_sent_at FROM tasks WHERE id = ${ids[2]!}`;
    assert.ok(row!.notification_sent_at instanceof Date);
  });

  test('a second sweep and ten concurrent sweeps remind each task exactly once', async () => {
    const T = new Date('2031-04-01T00:00:00.000Z');
    const ids = await seedTasks(db.sql, Array.from({ length: 20 }, (_, i) => ({ title: `C-${i}`, dueAt: new Date(T.getTime() + i * 60_000) })));
    const first = await sweep(T.toISOString());
    assert.equal(first.sent, 20);
    const again = await sweep(T.toISOString());
    assert.equal(again.found, 0, 'marked tasks are not found again');
    // Unmark behind the service's back: the reminder record still refuses a second email.
    await db.sql`UPDATE tasks SET notification_sent = false WHERE id = ANY(${ids}::bigint[])`;
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => sweep(T.toISOString())));
    assert.equal(concurrent.reduce((n, s) => n + s.sent, 0), 0);
    // Each sweep either ran (and found all 20 on record) or was skipped because another was running.
    const ran = concurrent.filter((s) => !s.skipped);
    assert.ok(ran.length >= 1);
    assert.ok(ran.every((s) => s.alreadyHandled === 20), JSON.stringify(ran));
    assert.ok(concurrent.filter((s) => s.skipped).every((s) => s.found === 0));
    // Ten sweeps racing over fresh tasks: each task is sent by exactly one of them.
    await seedTasks(db.sql, Array.from({ length: 20 }, (_, i) => ({ title: `D-${i}`, dueAt: new Date(T.getTime() + i * 60_000) })));
    const racing = await Promise.all(Array.from({ length: 10 }, () => sweep(T.toISOString())));
    assert.equal(racing.reduce((n, s) => n + s.sent, 0), 20);
    const fresh = sink.messages.filter((x) => x.subject?.includes('"D-'));
    assert.equal(fresh.length, 20);
    assert.equal(new Set(fresh.map((m) => m.messageId)).size, 20);
    const perTask = new Map<string, number>();
    for (const m of sink.messages.filter((x) => x.subject?.includes('"C-'))) perTask.set(m.messageId!, (perTask.get(m.messageId!) ?? 0) + 1);
    assert.equal(perTask.size, 20);
    assert.ok([...perTask.values()].every((n) => n === 1));
  });

  test('a rescheduled task (due time changed, flag reset by its application) is reminded again, once', async () => {
    const T = new Date('2031-05-01T00:00:00.000Z');
    const [id] = await seedTasks(db.sql, [{ title: 'R-moved', dueAt: new Date(T.getTime() + HOUR) }]);
    await sweep(T.toISOString());
    await db.sql`UPDATE tasks SET due_at = ${new Date(T.getTime() + 2 * HOUR)}, notification_sent = false WHERE id = ${id!}`;
    const second = await sweep(T.toISOString());
    assert.equal(second.sent, 1);
    await sweep(T.toISOString());
    assert.equal(sink.messages.filter((m) => m.subject?.includes('R-moved')).length, 2);
  });

  test('a task whose email fails permanently is reported in the summary and left unmarked', async () => {
    const T = new Date('2031-06-01T00:00:00.000Z');
    const [good, bad] = await seedTasks(db.sql, [
      { title: 'P-good', dueAt: new Date(T.getTime() + HOUR) },
      { title: 'P-bad', dueAt: new Date(T.getTime() + HOUR), ownerEmail: 'bounce@example.com' },
    ]);
    sink.fault = (session) => (session.envelope.rcptTo.some((r) => r.address === 'bounce@example.com') ? { code: 550, message: 'mailbox unavailable' } : undefined);
    try {
      const summary = await sweep(T.toISOString());
      assert.equal(summary.sent, 1);
      assert.equal(summary.failed, 1);
      assert.equal(summary.failures[0]!.taskId, bad);
      assert.match(summary.failures[0]!.error, /mailbox unavailable/);
      assert.deepEqual(await marked(db.sql, [good!, bad!]), [good]);
    } finally {
      sink.fault = () => undefined;
    }
  });
});
