import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { createActivities, type Activities } from '../../activities/index.js';
import { MailError } from '../../src/mail/types.js';
import type { EmailStatus, SendEmailInput } from '../../src/shared.js';
import { FakeMailer } from './fakes.js';
import { DOMAIN, fakeDeps, openHarness, withFakeSends, type Harness, type SendCall } from './harness.js';

const permanent = () => new MailError('550 5.1.1 no such user', 'SmtpPermanent550', true);
const transient = () => new MailError('421 4.3.0 try again later', 'SmtpTransient421', false);

describe('SendEmailWorkflow delivery (real workflow, fake activities)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h?.close();
  });

  const input = (over: Partial<SendEmailInput> = {}): SendEmailInput => ({ to: 'to@example.com', subject: 'Hello', text: 'Line one\n\nLine two', enhance: false, ...over });
  const send = (activities: Activities, workflowId = `message-${randomUUID()}`, args = input()) =>
    h.run(activities, (taskQueue) => h.client.workflow.execute('SendEmailWorkflow', { taskQueue, workflowId, args: [args] }) as Promise<EmailStatus>);

  test('a plain send returns state sent, provider, attempts and a Message-ID built from the workflow id and plan domain', async () => {
    const calls: SendCall[] = [];
    const key = randomUUID();
    const workflowId = `message-order.${key}`;
    const result = await send(withFakeSends(createActivities(fakeDeps()), calls), workflowId);
    // A dot is not kept verbatim in the local part: it is encoded, so that ids never collide.
    const messageId = `<message-order=2E${key}@${DOMAIN}>`;
    assert.equal(result.id, workflowId);
    assert.equal(result.state, 'sent');
    assert.equal(result.provider, 'smtp');
    assert.equal(result.providerMessageId, 'fake-1');
    assert.equal(result.attempts, 1);
    assert.equal(result.messageId, messageId);
    assert.deepEqual(result.enhancement, { used: 'none' });
    assert.equal(result.primaryFailure, undefined);
    assert.ok(Date.parse(result.sentAt!) <= Date.now());
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.input, { workflowId, messageId, provider: 'smtp', to: 'to@example.com', subject: 'Hello', text: 'Line one\n\nLine two' });
  });

  test('the Message-ID of a plain workflow id is <id@domain>, and the real sendEmail hands it to the mailer', async () => {
    const smtp = new FakeMailer('smtp');
    const workflowId = `message-${randomUUID()}`;
    const result = await send(createActivities(fakeDeps({ mailers: { smtp } })), workflowId);
    assert.equal(result.messageId, `<${workflowId}@${DOMAIN}>`);
    assert.equal(smtp.sent.length, 1);
    assert.equal(smtp.sent[0]!.messageId, result.messageId);
    assert.equal(smtp.sent[0]!.from, 'Mailer <smtp-sender@example.org>');
    assert.match(smtp.sent[0]!.html, /<p>Line one<\/p>/);
  });

  test('a primary failing permanently, with a fallback configured: the fallback sends, the primary failure is recorded, attempts 1 + 1', async () => {
    const smtp = new FakeMailer('smtp');
    smtp.fail = permanent;
    const ses = new FakeMailer('ses');
    const result = await send(createActivities(fakeDeps({ mailers: { smtp, ses } }, { fallback: 'ses' })));
    assert.equal(result.state, 'sent');
    assert.equal(result.provider, 'ses');
    assert.equal(result.providerMessageId, 'ses-1');
    assert.equal(result.attempts, 2);
    assert.deepEqual(result.primaryFailure, { provider: 'smtp', error: '550 5.1.1 no such user', errorType: 'SmtpPermanent550' });
    assert.equal(smtp.calls, 1, 'a permanent failure is not retried');
    assert.equal(ses.sent.length, 1);
    assert.equal(ses.sent[0]!.messageId, result.messageId, 'the fallback carries the same Message-ID');
    assert.equal(ses.sent[0]!.from, 'ses-sender@example.org');
  });

  test('a primary failing transiently until primaryMaxAttempts: the fallback sends and attempts count both', async () => {
    const smtp = new FakeMailer('smtp');
    smtp.fail = transient;
    const ses = new FakeMailer('ses');
    const result = await send(createActivities(fakeDeps({ mailers: { smtp, ses } }, { fallback: 'ses', primaryMaxAttempts: 2 })));
    assert.equal(result.provider, 'ses');
    assert.equal(smtp.calls, 2);
    assert.equal(result.attempts, 3);
    assert.deepEqual(result.primaryFailure, { provider: 'smtp', error: '421 4.3.0 try again later', errorType: 'SmtpTransient421' });
  });

  test('without a fallback a permanent failure fails the workflow; the failure details carry the status', async () => {
    const smtp = new FakeMailer('smtp');
    smtp.fail = permanent;
    const workflowId = `message-${randomUUID()}`;
    const err = await send(createActivities(fakeDeps({ mailers: { smtp } })), workflowId).then(
      () => assert.fail('the workflow should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'EmailFailed');
    assert.equal(err.cause.message, '550 5.1.1 no such user');
    const status = err.cause.details?.[0] as EmailStatus;
    assert.equal(status.id, workflowId);
    assert.equal(status.state, 'failed');
    assert.equal(status.attempts, 1);
    assert.equal(status.messageId, `<${workflowId}@${DOMAIN}>`);
    assert.deepEqual(status.error, { message: '550 5.1.1 no such user', type: 'SmtpPermanent550' });
    assert.equal(status.provider, undefined);
    assert.equal(smtp.calls, 1);
  });

  // Fails on 8e09ea5: the failed status counts only the fallback's attempts (see the report).
  test('when the fallback fails too, the failed status counts the attempts of both providers', async () => {
    const smtp = new FakeMailer('smtp');
    smtp.fail = permanent;
    const ses = new FakeMailer('ses');
    ses.fail = () => new MailError('Email address is not verified', 'MessageRejected', true);
    const err = await send(createActivities(fakeDeps({ mailers: { smtp, ses } }, { fallback: 'ses' }))).then(
      () => assert.fail('the workflow should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
    const status = err.cause.details?.[0] as EmailStatus;
    assert.equal(status.state, 'failed');
    assert.deepEqual(status.error, { message: 'Email address is not verified', type: 'MessageRejected' });
    assert.equal(smtp.calls + ses.calls, 2);
    // As on success (attempts = primary's + fallback's), a failure should count every send tried.
    assert.equal(status.attempts, 2, 'two sends were attempted (smtp, then ses)');
  });
});
