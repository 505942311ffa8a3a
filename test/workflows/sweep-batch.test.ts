import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createActivities, type Activities } from '../../activities/index.js';
import { MailError } from '../../src/mail/types.js';
import { messageIdFor, reminderWorkflowId, type SweepInput, type SweepSummary } from '../../src/shared.js';
import { dueTask, FakeMailer, FakeTaskStore } from './fakes.js';
import { DOMAIN, eventually, fakeDeps, gate, openHarness, type Harness } from './harness.js';

const MINUTE = 60_000;
const T = new Date('2032-04-01T08:00:00.000Z');
const input: SweepInput = { windowStart: T.toISOString(), settings: { windowMs: 24 * 60 * MINUTE, pageSize: 50 } };

describe('the batched sweep: one activity per page, failures handed to reminder workflows (real workflows, fake store and mailer)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h?.close();
  });

  function world(over: Parameters<typeof fakeDeps>[1] = {}, ses?: FakeMailer) {
    const store = new FakeTaskStore();
    const smtp = new FakeMailer('smtp');
    const mailers = ses ? { smtp, ses } : { smtp };
    const tasks = Array.from({ length: 5 }, (_, i) => dueTask(new Date(T.getTime() + (i + 1) * MINUTE), { ownerEmail: `owner${i}@example.com` }));
    for (const t of tasks) store.add(t);
    return { store, smtp, tasks, activities: createActivities(fakeDeps({ mailers, tasks: store }, over)) };
  }
  const sweep = (taskQueue: string, args: SweepInput = input) =>
    h.client.workflow.execute('DueTaskSweepWorkflow', { taskQueue, workflowId: `sweep-${randomUUID()}`, args: [args] }) as Promise<SweepSummary>;
  const sentTo = (m: FakeMailer, to: string) => m.sent.filter((e) => e.to === to);
  const reminderMessageId = (t: { taskId: string; dueAt: string }) => messageIdFor(reminderWorkflowId(t.taskId, t.dueAt), DOMAIN);

  test('one email failing transiently goes to its own TaskReminderWorkflow; the others are sent once; a sweep meanwhile leaves it alone', async () => {
    const w = world();
    const slow = w.tasks[2]!;
    let providerBack = false;
    w.smtp.fail = (e) => (e.to === slow.ownerEmail && !providerBack ? new MailError('451 greylisted, try later', 'SmtpTransient', false) : undefined);
    const { first, second } = await h.run(w.activities, async (tq) => {
      const first = await sweep(tq);
      const second = await sweep(tq);
      assert.equal(w.store.ledger.get(`${slow.taskId}@${Date.parse(slow.dueAt)}`), 'handed_off');
      assert.equal(w.store.isNotified(slow.taskId), false);
      providerBack = true;
      await eventually(async () => w.store.isNotified(slow.taskId), Boolean);
      return { first, second };
    });
    assert.deepEqual([first.found, first.sent, first.handedOff, first.failed], [5, 4, 1, 0]);
    assert.deepEqual([second.found, second.sent, second.handedOff, second.alreadyHandled], [1, 0, 0, 1], 'the handed-off task is not sent by the next sweep');
    for (const t of w.tasks) {
      const mails = sentTo(w.smtp, t.ownerEmail);
      assert.equal(mails.length, 1, `${t.ownerEmail} gets one email`);
      assert.equal(mails[0]!.messageId, reminderMessageId(t), 'the same Message-ID in the batch and in its own workflow');
      assert.ok(w.store.isNotified(t.taskId));
    }
    assert.equal(w.store.ledger.get(`${slow.taskId}@${Date.parse(slow.dueAt)}`), 'sent');
  });

  test('a mark failing right after its send: the workflow marks it later, nothing is sent twice', async () => {
    const w = world();
    w.store.markFailures = 2;
    const summary = await h.run(w.activities, (tq) => sweep(tq));
    assert.deepEqual([summary.found, summary.sent, summary.handedOff], [5, 5, 0]);
    assert.equal(w.smtp.calls, 5, 'one send per task');
    assert.ok(w.tasks.every((t) => w.store.isNotified(t.taskId)));
    assert.equal(w.store.markCalls, 7, 'five marks in the batch (two failing), then two by the workflow');
  });

  test('an attempt lost after sending (its worker died): the retried page sends only what was not marked', async () => {
    const w = world();
    let lost = false;
    const activities: Activities = {
      ...w.activities,
      async sendReminderBatch(batch) {
        // The first attempt sends three emails, marks them, and never reports back.
        if (!lost) {
          lost = true;
          await w.activities.sendReminderBatch({ ...batch, limit: 3 });
          throw new Error('worker lost');
        }
        return w.activities.sendReminderBatch(batch);
      },
    };
    const summary = await h.run(activities, (tq) => sweep(tq));
    assert.equal(summary.sent, 2, 'the retried page found only the two unmarked tasks');
    assert.equal(w.smtp.calls, 5, 'one send per task');
    assert.equal(new Set(w.smtp.sent.map((m) => m.messageId)).size, 5);
    assert.ok(w.tasks.every((t) => w.store.isNotified(t.taskId)));
  });

  test('a permanent failure with a fallback configured: its own workflow sends it through the fallback', async () => {
    const ses = new FakeMailer('ses');
    const w = world({ fallback: 'ses' }, ses);
    const bounced = w.tasks[0]!;
    w.smtp.fail = (e) => (e.to === bounced.ownerEmail ? new MailError('550 relay denied', 'SmtpPermanent', true) : undefined);
    const summary = await h.run(w.activities, async (tq) => {
      const s = await sweep(tq);
      await eventually(async () => w.store.isNotified(bounced.taskId), Boolean);
      return s;
    });
    assert.deepEqual([summary.sent, summary.handedOff, summary.failed], [4, 1, 0]);
    assert.deepEqual(ses.sent.map((m) => [m.to, m.messageId]), [[bounced.ownerEmail, reminderMessageId(bounced)]]);
    assert.equal(sentTo(w.smtp, bounced.ownerEmail).length, 0);
  });

  test('while one sweep runs, another is skipped and sends nothing', async () => {
    const w = world();
    const hold = gate();
    const send = w.smtp.send.bind(w.smtp);
    w.smtp.send = async (e) => {
      await hold.promise;
      return send(e);
    };
    const { first, second } = await h.run(w.activities, async (tq) => {
      const running = sweep(tq);
      await eventually(async () => w.store.pages.length, (n) => n >= 1);
      const second = await sweep(tq);
      hold.open();
      return { first: await running, second };
    });
    assert.match(second.skipped ?? '', /due-task-sweep-run-.* is running/);
    assert.deepEqual([second.found, second.sent], [0, 0]);
    assert.deepEqual([first.found, first.sent], [5, 5]);
    assert.equal(w.smtp.calls, 5);
  });

  test('a paced provider: every reminder goes to its own workflow, whose send waits in the paced queue', async () => {
    // The paced queue is the harness worker's own queue: pacing itself is pacing.test.ts's subject.
    const paced = { smtp: 'set below' };
    const w = world({ sendTaskQueues: paced });
    const summary = await h.run(w.activities, async (tq) => {
      paced.smtp = tq;
      const s = await sweep(tq);
      await eventually(async () => w.tasks.every((t) => w.store.isNotified(t.taskId)), Boolean);
      return s;
    });
    assert.deepEqual([summary.found, summary.sent, summary.handedOff], [5, 0, 5]);
    assert.deepEqual(w.smtp.sent.map((m) => m.messageId).sort(), w.tasks.map(reminderMessageId).sort());
  });
});
