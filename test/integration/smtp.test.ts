import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { buildApp, postMessage, waitForState } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { temporalCli } from '../support/processes.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

describe('POST /message through SMTP (real worker, real SMTP sink)', () => {
  const sink = new MailCatcher();
  let w: TestWorker;
  let app: ReturnType<typeof buildApp>;

  before(async () => {
    const port = await sink.start();
    const config = testConfig({ SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(port), SENDER_EMAIL: 'Mailer <sender@example.org>' });
    w = await startTestWorker(config);
    app = buildApp(config, w.client);
  });
  after(async () => {
    await w?.stop();
    await sink.stop();
  });

  test('the old payload is queued, delivered with From/To/Subject/text/HTML and a Message-ID from the workflow id', async () => {
    const res = await postMessage(app, { destinataire: 'to@example.com', sujet: 'Bonjour é', message: 'Line one\n\nLine <two>' });
    assert.equal(res.status, 202);
    const body = (await res.json()) as Record<string, string>;
    assert.equal(body.status, 'queued');
    assert.equal(body.task_id, body.workflow_id);
    assert.match(body.workflow_id!, /^message-/);
    assert.ok(body.message);

    const status = await waitForState(app, body.workflow_id!, ['sent', 'failed']);
    assert.equal(status.state, 'sent');
    assert.equal(status.provider, 'smtp');
    assert.equal(status.attempts, 1);
    assert.equal(status.message_id, `<${body.workflow_id}@example.org>`);

    const [mail] = await sink.waitFor((m) => m.length >= 1);
    assert.equal(mail!.messageId, `<${body.workflow_id}@example.org>`);
    assert.equal(mail!.from, '"Mailer" <sender@example.org>');
    assert.equal(mail!.to, 'to@example.com');
    assert.equal(mail!.subject, 'Bonjour é');
    assert.equal(mail!.text?.trim(), 'Line one\n\nLine <two>');
    assert.match(mail!.html ?? '', /<p>Line one<\/p>/);
    assert.match(mail!.html ?? '', /Line &lt;two&gt;/);
  });

  test('the same Idempotency-Key sends one email, even after the first has completed; another payload is refused', async () => {
    const before = sink.messages.length;
    const payload = { destinataire: 'idem@example.com', sujet: 'Once', message: 'only once' };
    const first = (await (await postMessage(app, payload, { 'Idempotency-Key': 'order-42' })).json()) as Record<string, string>;
    assert.equal(first.workflow_id, 'message-order-42');
    await waitForState(app, first.workflow_id!, ['sent']);
    const again = await postMessage(app, payload, { 'Idempotency-Key': 'order-42' });
    assert.equal(again.status, 202);
    const againBody = (await again.json()) as Record<string, unknown>;
    assert.equal(againBody.workflow_id, 'message-order-42');
    assert.equal(againBody.duplicate, true);
    const conflict = await postMessage(app, { ...payload, message: 'other' }, { 'Idempotency-Key': 'order-42' });
    assert.equal(conflict.status, 409);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(sink.messages.filter((m) => m.messageId === '<message-order-42@example.org>').length, 1);
    assert.equal(sink.messages.length, before + 1);
  });

  test('4xx replies are retried until accepted; the status reports the attempts', async () => {
    let refusals = 2;
    sink.fault = () => (refusals-- > 0 ? { code: 451, message: '4.3.0 try again later' } : undefined);
    try {
      const { workflow_id } = (await (await postMessage(app, { destinataire: 'retry@example.com', sujet: 'Retry', message: 'x' })).json()) as Record<string, string>;
      const status = await waitForState(app, workflow_id!, ['sent', 'failed'], 60_000);
      assert.equal(status.state, 'sent');
      assert.equal(status.attempts, 3);
    } finally {
      sink.fault = () => undefined;
    }
  });

  test('a 5xx reply fails fast: one attempt, the reason in GET /message/:id', async () => {
    sink.fault = () => ({ code: 550, message: '5.1.1 no such user' });
    try {
      const { workflow_id } = (await (await postMessage(app, { destinataire: 'nobody@example.com', sujet: 'Bounce', message: 'x' })).json()) as Record<string, string>;
      const status = await waitForState(app, workflow_id!, ['sent', 'failed']);
      assert.equal(status.state, 'failed');
      assert.equal(status.attempts, 1);
      assert.match(JSON.stringify(status.error), /no such user/);
      assert.match(JSON.stringify(status.error), /SmtpPermanent550/);
    } finally {
      sink.fault = () => undefined;
    }
  });

  test('send_at waits durably, and DELETE cancels before the send; after the send DELETE answers 409', async () => {
    const sendAt = new Date(Date.now() + 60_000).toISOString();
    const res = await postMessage(app, { destinataire: 'later@example.com', sujet: 'Later', message: 'x', send_at: sendAt });
    assert.equal(res.status, 202);
    const { workflow_id } = (await res.json()) as Record<string, string>;
    const scheduled = await waitForState(app, workflow_id!, ['scheduled']);
    assert.equal(scheduled.send_at, sendAt);
    const del = await app.request(`/message/${workflow_id}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.equal(((await del.json()) as Record<string, string>).state, 'cancelled');
    assert.equal((await waitForState(app, workflow_id!, ['cancelled'])).state, 'cancelled');

    const soon = new Date(Date.now() + 1500).toISOString();
    const sent = (await (await postMessage(app, { destinataire: 'soon@example.com', sujet: 'Soon', message: 'x', send_at: soon })).json()) as Record<string, string>;
    const done = await waitForState(app, sent.workflow_id!, ['sent'], 30_000);
    assert.ok(Date.parse(done.sent_at as string) >= Date.parse(soon));
    const late = await app.request(`/message/${sent.workflow_id}`, { method: 'DELETE' });
    assert.equal(late.status, 409);
    assert.equal(sink.messages.filter((m) => m.to === 'later@example.com').length, 0);
  });

  test('search attributes let the Web UI and `temporal workflow list --query` find emails by kind, provider and outcome', async () => {
    const { workflow_id } = (await (await postMessage(app, { destinataire: 'tagged@example.com', sujet: 'Tagged', message: 'x' })).json()) as Record<string, string>;
    await waitForState(app, workflow_id!, ['sent']);
    const query = `MailKind = 'message' AND MailProvider = 'smtp' AND MailOutcome = 'sent' AND MailRecipientDomain = 'example.com' AND WorkflowId = '${workflow_id}'`;
    let found: string[] = [];
    for (let i = 0; i < 50 && !found.length; i++) {
      found = [];
      for await (const wf of w.client.workflow.list({ query })) found.push(wf.workflowId);
      if (!found.length) await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(found, [workflow_id]);
    const cli = await temporalCli(['workflow', 'list', '--query', `MailKind = 'message' AND MailOutcome = 'failed'`]);
    assert.equal(cli.code, 0, cli.out);
    assert.doesNotMatch(cli.out, new RegExp(workflow_id!));
    const sent = await temporalCli(['workflow', 'list', '--query', query]);
    assert.match(sent.out, new RegExp(workflow_id!));
    // The API sets kind and domain in the start request; the workflow upserts only the outcome.
    const events = (await w.client.workflow.getHandle(workflow_id!).fetchHistory()).events ?? [];
    const started = events[0]!.workflowExecutionStartedEventAttributes!.searchAttributes!.indexedFields!;
    assert.deepEqual(Object.keys(started).sort(), ['MailKind', 'MailRecipientDomain']);
    const upserts = events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes);
    // And no TemporalChangeVersion: the API vouches for the first-attempt patch, so no patch marker is recorded.
    assert.deepEqual(upserts.map((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!).sort()), [['MailOutcome', 'MailProvider']]);
  });

  test('GET and DELETE of an unknown id answer 404', async () => {
    assert.equal((await app.request('/message/message-does-not-exist')).status, 404);
    assert.equal((await app.request('/message/message-does-not-exist', { method: 'DELETE' })).status, 404);
  });
});
