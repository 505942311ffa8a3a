// A deploy while emails wait: the worker running today's workflows is replaced by one running changed
// workflows (test/workflows/changed: one more activity at the start and one at the finish, each guarded
// by patched()). Emails waiting on their send_at and a sweep in the middle of a page move to the new
// code; every email is sent once and the sweep completes. The same change unguarded strands waiting
// emails on a nondeterminism error, and fails the recorded histories.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { createActivities, type Activities } from '../../activities/index.js';
import { messageIdFor, reminderWorkflowId, type EmailStatus, type SweepSummary } from '../../src/shared.js';
import { infra } from '../support/env.js';
import type { Audit } from './changed/change.js';
import { dueTask, FakeMailer, FakeTaskStore } from './fakes.js';
import { DOMAIN, eventually, fakeDeps } from './harness.js';
import { changedBundle, decidersOf, sweepRunDeciders } from './deploy-support.js';
import { eventTypes, readHistories, replayOptions } from './replay-files.js';

const MINUTE = 60_000;
const EMAILS = 4;
const TASKS = 7;
const quiet = new DefaultLogger('ERROR');

describe('deploying changed workflow code while emails wait and a sweep runs', () => {
  let native: NativeConnection;
  let connection: Connection;
  let client: Client;
  let guarded: WorkflowBundle;
  let unguarded: WorkflowBundle;
  before(async () => {
    // The unguarded replays below fail on purpose: the worker's own warnings about them are noise here.
    Runtime.install({ logger: quiet, telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
    native = await NativeConnection.connect({ address: infra.temporalAddress });
    connection = await Connection.connect({ address: infra.temporalAddress });
    client = new Client({ connection });
    [guarded, unguarded] = [await changedBundle('index.ts', quiet), await changedBundle('unguarded.ts', quiet)];
  });
  after(async () => {
    await connection?.close();
    await native?.close();
  });

  const deciders = (workflowId: string) => decidersOf(client, workflowId);

  test('emails waiting on send_at and a sweep in the middle of a page: each email sent once, the sweep completes on the new code', async () => {
    const taskQueue = `deploy-${randomUUID()}`;
    const smtp = new FakeMailer('smtp');
    const store = new FakeTaskStore();
    const now = Date.now();
    const tasks = Array.from({ length: TASKS }, (_, i) => dueTask(new Date(now + (i + 1) * MINUTE), { ownerEmail: `owner${i}@example.com` }));
    for (const t of tasks) store.add(t);
    const today = createActivities(fakeDeps({ mailers: { smtp }, tasks: store }));

    // The old worker sends the first page, then is replaced while its second page is in flight.
    let pages = 0;
    const oldActivities: Activities = {
      ...today,
      async sendReminderBatch(batch) {
        if (++pages < 2) return today.sendReminderBatch(batch);
        await Context.current().cancelled; // the deploy's shutdown cancels it; its retry runs on the new worker
        throw new Error('unreachable');
      },
    };
    const audits: Audit[] = [];
    const newActivities = { ...today, audit: async (a: Audit) => void audits.push(a) };

    const old = await Worker.create({
      connection: native,
      taskQueue,
      identity: 'old-code',
      workflowBundle: { codePath: infra.workflowBundle! },
      activities: oldActivities,
      shutdownGraceTime: '1s',
      shutdownForceTime: '5s',
    });
    const oldRunning = old.run();
    const sweep = await client.workflow.start('DueTaskSweepWorkflow', {
      taskQueue,
      workflowId: `sweep-${randomUUID()}`,
      // Pages of 3 and a small history limit: the second page is sent by the sweep's second run.
      args: [{ windowStart: new Date(now).toISOString(), settings: { windowMs: 24 * 60 * MINUTE, pageSize: 3, historyLimit: 10 } }],
    });
    await eventually(async () => pages, (n) => n >= 2);
    // The emails start last, so that their send_at is close and still ahead when the old worker stops.
    const sendAt = new Date(Date.now() + 8_000).toISOString();
    const emails = await Promise.all(
      Array.from({ length: EMAILS }, (_, i) =>
        client.workflow.start('SendEmailWorkflow', { taskQueue, workflowId: `message-${randomUUID()}`, args: [{ to: `to${i}@example.com`, subject: `Email ${i}`, text: 'Hello', enhance: false, sendAt }] }),
      ),
    );
    for (const e of emails) await eventually(async () => eventTypes(await e.fetchHistory()), (t) => t.includes('TIMER_STARTED'));

    // What the deploy meets: emails still waiting, a sweep part-way through.
    assert.equal(smtp.sent.length, 3, 'the first page sent, nothing else yet');
    for (const e of emails) assert.equal((await e.describe()).status.name, 'RUNNING');
    assert.equal((await sweep.describe()).status.name, 'RUNNING');
    old.shutdown();
    await oldRunning;
    assert.equal(smtp.sent.length, 3, 'no email sent by the old worker after the first page');

    const fresh = await Worker.create({ connection: native, taskQueue, identity: 'new-code', workflowBundle: guarded, activities: newActivities });
    const { statuses, summary, after } = await fresh.runUntil(async () => ({
      statuses: await Promise.all(emails.map((e) => e.result() as Promise<EmailStatus>)),
      summary: (await sweep.result()) as SweepSummary,
      // An email the new code starts and finishes: it takes both new paths.
      after: (await client.workflow.execute('SendEmailWorkflow', { taskQueue, workflowId: `message-${randomUUID()}`, args: [{ to: 'after@example.com', subject: 'After', text: 'Hi', enhance: false }] })) as EmailStatus,
    }));

    const sentBy = (messageId: string) => smtp.sent.filter((m) => m.messageId === messageId).length;
    for (const [i, s] of statuses.entries()) {
      assert.equal(s.state, 'sent');
      assert.equal(sentBy(s.messageId), 1, `email ${i} sent exactly once`);
      assert.ok(Date.parse(s.sentAt!) >= Date.parse(sendAt), `email ${i} sent at its send_at, not before`);
    }
    for (const t of tasks) {
      assert.equal(sentBy(messageIdFor(reminderWorkflowId(t.taskId, t.dueAt), DOMAIN)), 1, `task ${t.taskId} reminded exactly once`);
      assert.ok(store.isNotified(t.taskId));
    }
    assert.equal(sentBy(after.messageId), 1);
    assert.equal(smtp.sent.length, EMAILS + TASKS + 1, 'nothing else was sent');
    assert.deepEqual([summary.found, summary.sent, summary.handedOff, summary.failed], [TASKS, TASKS, 0, 0]);

    // Each waiting email ran on both codes: started by the old worker, finished by the new one. It kept the
    // old path where its history had passed the change (no audit at start) and took the new one ahead of it.
    for (const e of emails) {
      const who = await deciders(e.workflowId);
      assert.equal(who[0], 'old-code');
      assert.equal(who.at(-1), 'new-code');
    }
    const audited = (at: Audit['at']) => audits.filter((a) => a.at === at && a.workflowType === 'SendEmailWorkflow').map((a) => a.workflowId).sort();
    assert.deepEqual(audited('start'), [after.id], 'only the email started on the new code took the new path at its start');
    assert.deepEqual(audited('finish'), [...emails.map((e) => e.workflowId), after.id].sort(), 'every email took the new path at its finish');
    const runs = await sweepRunDeciders(client, sweep.workflowId);
    assert.ok(runs.length >= 2, `the sweep continued as new (${runs.length} runs)`);
    assert.ok(runs.some((who) => who[0] === 'old-code' && who.at(-1) === 'new-code'), 'a run of the sweep started on the old code and finished on the new');
    assert.deepEqual(audits.filter((a) => a.workflowId === sweep.workflowId).map((a) => a.at), ['finish'], 'the sweep finished on the new code');
  });

  test('the same deploy with the change unguarded: emails waiting on send_at stop on a nondeterminism error, unsent', async () => {
    const taskQueue = `deploy-unguarded-${randomUUID()}`;
    const smtp = new FakeMailer('smtp');
    const today = createActivities(fakeDeps({ mailers: { smtp } }));
    const old = await Worker.create({ connection: native, taskQueue, identity: 'old-code', workflowBundle: { codePath: infra.workflowBundle! }, activities: today });
    const oldRunning = old.run();
    const sendAt = new Date(Date.now() + 4_000).toISOString();
    const emails = await Promise.all(
      [0, 1].map((i) => client.workflow.start('SendEmailWorkflow', { taskQueue, workflowId: `message-${randomUUID()}`, args: [{ to: `to${i}@example.com`, subject: 'S', text: 'T', enhance: false, sendAt }] })),
    );
    for (const e of emails) await eventually(async () => eventTypes(await e.fetchHistory()), (t) => t.includes('TIMER_STARTED'));
    old.shutdown();
    await oldRunning;
    const broken = await Worker.create({ connection: native, taskQueue, identity: 'new-code', workflowBundle: unguarded, activities: { ...today, audit: async () => {} } });
    try {
      await broken.runUntil(async () => {
        for (const e of emails) {
          const failure = await eventually(
            async () => (await e.fetchHistory()).events?.find((ev) => ev.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure?.message ?? '',
            (m) => m !== '',
          );
          assert.match(failure, /Nondeterminism error/);
        }
      });
      assert.equal(smtp.sent.length, 0, 'no waiting email was sent: each is stuck until a worker with compatible code runs');
    } finally {
      for (const e of emails) await e.terminate('test cleanup').catch(() => undefined);
    }
  });

  test('the recorded histories replay on the guarded change; without patched() the same change fails them with a DeterminismViolationError', async () => {
    // The other types are re-exported unchanged (replay.test.ts covers them).
    const changed = readHistories().filter((h) => ['SendEmailWorkflow', 'DueTaskSweepWorkflow'].includes(h.workflowType));
    assert.ok(changed.length >= 20, `recorded histories of the changed types: ${changed.length}`);
    for (const h of changed) await Worker.runReplayHistory(replayOptions(h, { workflowBundle: guarded }), h.history, h.workflowId);
    // The activity at the start meets every history.
    for (const h of changed) {
      await assert.rejects(Worker.runReplayHistory(replayOptions(h, { workflowBundle: unguarded }), h.history, h.workflowId), DeterminismViolationError, `${h.name} replays on the unguarded change`);
    }
  });
});
