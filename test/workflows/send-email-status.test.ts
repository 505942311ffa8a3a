import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { createActivities } from '../../activities/index.js';
import type { EmailStatus, SendEmailInput } from '../../src/shared.js';
import { cancelUpdate, statusQuery } from '../../workflows/definitions.js';
import { FakeEnhancer } from './fakes.js';
import { DOMAIN, eventually, fakeDeps, gate, openHarness, withFakeSends, type Harness, type SendCall } from './harness.js';

describe('SendEmailWorkflow status query, cancel update and send_at (real workflow, fake activities)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h?.close();
  });

  const input = (over: Partial<SendEmailInput> = {}): SendEmailInput => ({ to: 'to@example.com', subject: 'Hi', text: 'Body', enhance: false, ...over });

  /** Starts the email with a sendEmail that blocks until the gate opens; `fn` sees it while 'sending'. */
  async function whileSending(fn: (handle: ReturnType<Harness['client']['workflow']['getHandle']>) => Promise<void>) {
    const calls: SendCall[] = [];
    const open = gate();
    // The first attempt fails, so the email is 'sending' in the regular activity, which the gate holds
    // (a query is answered between workflow tasks, not while the first attempt's local activity runs).
    const activities = withFakeSends(createActivities(fakeDeps()), calls, { gate: open.promise, firstFails: true });
    return h.run(activities, async (taskQueue) => {
      const handle = await h.client.workflow.start('SendEmailWorkflow', { taskQueue, workflowId: `message-${randomUUID()}`, args: [input()] });
      try {
        await eventually(async () => calls.length, (n) => n === 1);
        await fn(handle);
      } finally {
        open.open();
      }
      return { result: (await handle.result()) as EmailStatus, calls };
    });
  }

  test('the status query reports sending while the send is in flight, then sent', async () => {
    let during: EmailStatus | undefined;
    const { result } = await whileSending(async (handle) => {
      during = await eventually(() => handle.query(statusQuery), (s) => s.state === 'sending');
    });
    assert.equal(during!.state, 'sending');
    assert.equal(during!.messageId, `<${during!.id}@${DOMAIN}>`);
    assert.equal(during!.provider, undefined);
    assert.equal(during!.lastError, '421 4.3.0 try again later', 'the failed first attempt is reported while retrying');
    assert.equal(result.state, 'sent');
    assert.equal(result.attempts, 2, 'the failed first attempt, then the regular activity');
    assert.equal(result.lastError, undefined);
  });

  test('cancel is rejected while sending (WorkflowUpdateFailedError, NotCancellable) and the email still goes out', async () => {
    let rejection: unknown;
    const { result, calls } = await whileSending(async (handle) => {
      await eventually(() => handle.query(statusQuery), (s) => s.state === 'sending');
      rejection = await handle.executeUpdate(cancelUpdate).then(
        () => assert.fail('cancel should be rejected while sending'),
        (e: unknown) => e,
      );
      assert.equal((await handle.query(statusQuery)).state, 'sending', 'a rejected cancel changes nothing');
    });
    assert.ok(rejection instanceof WorkflowUpdateFailedError, String(rejection));
    assert.ok(rejection.cause instanceof ApplicationFailure);
    assert.equal(rejection.cause.type, 'NotCancellable');
    assert.equal(rejection.cause.message, 'the email is already sending');
    assert.equal(result.state, 'sent');
    assert.equal(calls.length, 1);
  });

  test('cancel is accepted while scheduled: the result is cancelled and sendEmail is never called', async () => {
    const calls: SendCall[] = [];
    const activities = withFakeSends(createActivities(fakeDeps()), calls);
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const { accepted, result } = await h.run(activities, async (taskQueue) => {
      const handle = await h.client.workflow.start('SendEmailWorkflow', { taskQueue, workflowId: `message-${randomUUID()}`, args: [input({ sendAt })] });
      // The message id is set once the plan is read: the workflow is then waiting on its timer.
      const scheduled = await eventually(() => handle.query(statusQuery), (s) => s.messageId !== '');
      assert.equal(scheduled.state, 'scheduled');
      assert.equal(scheduled.sendAt, sendAt);
      const accepted = await handle.executeUpdate(cancelUpdate);
      return { accepted, result: (await handle.result()) as EmailStatus };
    });
    assert.equal(accepted.state, 'cancelled');
    assert.equal(result.state, 'cancelled');
    assert.equal(result.provider, undefined);
    assert.equal(result.sentAt, undefined);
    assert.equal(calls.length, 0);
  });

  test('cancel is accepted while enhancing: the result is cancelled and sendEmail is never called', async () => {
    const calls: SendCall[] = [];
    const open = gate();
    const enhancer = new FakeEnhancer(async () => {
      await open.promise;
      return '<p>too late</p>';
    });
    const activities = withFakeSends(createActivities(fakeDeps({ enhancer })), calls);
    const { accepted, result } = await h.run(activities, async (taskQueue) => {
      const handle = await h.client.workflow.start('SendEmailWorkflow', { taskQueue, workflowId: `message-${randomUUID()}`, args: [input({ enhance: true })] });
      let accepted: EmailStatus;
      try {
        await eventually(() => handle.query(statusQuery), (s) => s.state === 'enhancing');
        accepted = await handle.executeUpdate(cancelUpdate);
      } finally {
        open.open();
      }
      return { accepted, result: (await handle.result()) as EmailStatus };
    });
    assert.equal(accepted.state, 'cancelled');
    assert.equal(result.state, 'cancelled');
    assert.equal(enhancer.calls.length, 1);
    assert.equal(calls.length, 0);
  });

  test('send_at six seconds ahead: sendEmail is not called before send_at', async () => {
    const calls: SendCall[] = [];
    const activities = withFakeSends(createActivities(fakeDeps()), calls);
    const sendAt = new Date(Date.now() + 6_000).toISOString();
    const result = await h.run(activities, async (taskQueue) => {
      const handle = await h.client.workflow.start('SendEmailWorkflow', { taskQueue, workflowId: `message-${randomUUID()}`, args: [input({ sendAt })] });
      assert.equal((await handle.query(statusQuery)).state, 'scheduled');
      return (await handle.result()) as EmailStatus;
    });
    assert.equal(result.state, 'sent');
    assert.equal(calls.length, 1);
    assert.ok(calls[0]!.at >= Date.parse(sendAt), `sent ${Date.parse(sendAt) - calls[0]!.at} ms before send_at`);
    assert.ok(Date.parse(result.sentAt!) >= Date.parse(sendAt));
  });
});
