import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createActivities, type Activities } from '../../activities/index.js';
import { MailError } from '../../src/mail/types.js';
import { renderReminder } from '../../src/reminders/render.js';
import { reminderWorkflowId, type ReminderOutcome, type SweepInput, type SweepSummary } from '../../src/shared.js';
import { dueTask, FakeMailer, FakeTaskStore } from './fakes.js';
import { DOMAIN, fakeDeps, openHarness, type Harness } from './harness.js';

const MINUTE = 60_000;
const T = new Date('2032-02-01T08:00:00.000Z');

describe('TaskReminderWorkflow and DueTaskSweepWorkflow (real workflows, fake task store and mailer)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h?.close();
  });

  function world() {
    const store = new FakeTaskStore();
    const smtp = new FakeMailer('smtp');
    return { store, smtp, activities: createActivities(fakeDeps({ mailers: { smtp }, tasks: store })) };
  }
  const sweep = (taskQueue: string, input: SweepInput) =>
    h.client.workflow.execute('DueTaskSweepWorkflow', { taskQueue, workflowId: `sweep-${randomUUID()}`, args: [input] }) as Promise<SweepSummary>;
  const settings = (pageSize: number) => ({ windowMs: 24 * 60 * MINUTE, pageSize });

  async function remindOne(w: ReturnType<typeof world>, activities = w.activities) {
    const task = dueTask(new Date(T.getTime() + 30 * MINUTE));
    w.store.add(task);
    const workflowId = reminderWorkflowId(task.taskId, task.dueAt);
    const args = [{ task, email: renderReminder(task, { timeZone: 'UTC' }), plan: await w.activities.planDelivery() }];
    const outcome = await h.run(activities, (taskQueue) => h.client.workflow.execute('TaskReminderWorkflow', { taskQueue, workflowId, args }) as Promise<ReminderOutcome>);
    return { task, workflowId, outcome };
  }

  test('a reminder sends once, then marks the task', async () => {
    const w = world();
    const order: string[] = [];
    w.smtp.fail = () => {
      order.push('send');
      return undefined;
    };
    const marking = {
      ...w.activities,
      async markTaskNotified(input: Parameters<Activities['markTaskNotified']>[0]) {
        order.push('mark');
        return w.activities.markTaskNotified(input);
      },
    };
    const { task, workflowId, outcome } = await remindOne(w, marking);
    assert.deepEqual(outcome, { outcome: 'sent', messageId: `<${workflowId}@${DOMAIN}>`, marked: true });
    assert.deepEqual(order, ['send', 'mark']);
    assert.equal(w.smtp.sent.length, 1);
    assert.equal(w.smtp.sent[0]!.to, 'owner@example.com');
    assert.match(w.smtp.sent[0]!.subject, new RegExp(`^Reminder: "${task.title}" is due`));
    assert.ok(w.store.isNotified(task.taskId));
  });

  test('markTaskNotified failing transiently twice: the task ends marked and the mailer was called exactly once', async () => {
    const w = world();
    w.store.markFailures = 2;
    const { task, outcome } = await remindOne(w);
    assert.equal(outcome.outcome, 'sent');
    assert.equal(outcome.outcome === 'sent' && outcome.marked, true);
    assert.equal(w.store.markCalls, 3);
    assert.equal(w.smtp.calls, 1, 'no second send');
    assert.ok(w.store.isNotified(task.taskId));
  });

  test('a sweep with pageSize 3 over 10 tasks sends and marks all 10, walking pages in (dueAt, id) order', async () => {
    const w = world();
    // Pairs share a due time, so the id breaks ties; added in reverse to defeat insertion order.
    const tasks = Array.from({ length: 10 }, (_, i) => dueTask(new Date(T.getTime() + Math.floor(i / 2) * MINUTE)));
    for (const t of [...tasks].reverse()) w.store.add(t);
    const summary = await h.run(w.activities, (tq) => sweep(tq, { windowStart: T.toISOString(), settings: settings(3) }));
    assert.deepEqual(summary, {
      windowStart: T.toISOString(),
      windowEnd: new Date(T.getTime() + 24 * 60 * MINUTE).toISOString(),
      found: 10,
      sent: 10,
      handedOff: 0,
      alreadyHandled: 0,
      failed: 0,
      failures: [],
    });
    assert.deepEqual(w.store.pages.map((p) => p.length), [3, 3, 3, 1]);
    assert.deepEqual(w.store.pages.flat(), tasks.map((t) => t.taskId));
    assert.deepEqual(w.store.queries.map((q) => q.limit), [3, 3, 3, 3]);
    assert.deepEqual(
      w.store.queries.map((q) => q.after?.taskId),
      [undefined, tasks[2]!.taskId, tasks[5]!.taskId, tasks[8]!.taskId],
    );
    assert.ok(tasks.every((t) => w.store.isNotified(t.taskId)));
    assert.equal(new Set(w.smtp.sent.map((m) => m.messageId)).size, 10);
  });

  test('a task whose send fails permanently is reported with its taskId and left unmarked; a later sweep retries it', async () => {
    const w = world();
    const good = dueTask(new Date(T.getTime() + MINUTE));
    const bad = dueTask(new Date(T.getTime() + 2 * MINUTE), { ownerEmail: 'bounce@example.com' });
    w.store.add(good);
    w.store.add(bad);
    w.smtp.fail = (email) => (email.to === 'bounce@example.com' ? new MailError('550 mailbox unavailable', 'SmtpPermanent550', true) : undefined);
    const input = { windowStart: T.toISOString(), settings: settings(3) };
    const { first, markedAfterFirst, second } = await h.run(w.activities, async (tq) => {
      const first = await sweep(tq, input);
      const markedAfterFirst = [w.store.isNotified(good.taskId), w.store.isNotified(bad.taskId)];
      w.smtp.fail = undefined;
      return { first, markedAfterFirst, second: await sweep(tq, input) };
    });
    assert.deepEqual([first.found, first.sent, first.failed, first.alreadyHandled], [2, 1, 1, 0]);
    assert.deepEqual(first.failures, [{ taskId: bad.taskId, error: '550 mailbox unavailable' }]);
    assert.deepEqual(markedAfterFirst, [true, false]);
    // A permanent failure is not recorded as handled: the next sweep sends it.
    assert.deepEqual([second.found, second.sent, second.failed], [1, 1, 0]);
    assert.ok(w.store.isNotified(good.taskId) && w.store.isNotified(bad.taskId));
    assert.deepEqual(w.smtp.sent.map((m) => m.to), ['owner@example.com', 'bounce@example.com']);
  });

  test('a second sweep over the same window, the flags reset behind its back: the reminder record says alreadyHandled, no new email', async () => {
    const w = world();
    const tasks = Array.from({ length: 4 }, (_, i) => dueTask(new Date(T.getTime() + (i + 1) * MINUTE)));
    for (const t of tasks) w.store.add(t);
    const input = { windowStart: T.toISOString(), settings: settings(3) };
    const { first, second } = await h.run(w.activities, async (tq) => {
      const first = await sweep(tq, input);
      w.store.unmarkAll();
      return { first, second: await sweep(tq, input) };
    });
    assert.equal(first.sent, 4);
    assert.deepEqual([second.found, second.sent, second.alreadyHandled, second.failed], [4, 0, 4, 0]);
    assert.equal(w.smtp.sent.length, 4);
  });
});
