import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { buildApp, postMessage, waitForState } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { SES_VARS, sesSentMessages, verifySesIdentity } from '../support/ses.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

describe('SES v2 through the real AWS SDK against the emulator', () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const s of stops) await s();
  });

  test('with SES selected and AWS_SES_REGION_ENDPOINT at the emulator, the email goes through the SES API', async () => {
    await verifySesIdentity('verified@ses.example');
    const config = testConfig({ ...SES_VARS, DEFAULT_FROM_EMAIL: 'StudyFlow <verified@ses.example>' });
    const w = await startTestWorker(config);
    stops.push(() => w.stop());
    const app = buildApp(config, w.client);
    const { workflow_id } = (await (await postMessage(app, { destinataire: 'ses-to@example.com', sujet: 'Via SES', message: 'hello ses' })).json()) as Record<string, string>;
    const status = await waitForState(app, workflow_id!, ['sent', 'failed']);
    assert.equal(status.state, 'sent', JSON.stringify(status));
    assert.equal(status.provider, 'ses');
    assert.ok(status.provider_message_id, 'SES returns a MessageId');
    const sent = (await sesSentMessages()).find((m) => m.raw_data.includes(`Message-ID: <${workflow_id}@ses.example>`));
    assert.ok(sent, 'the emulator received the raw message with our Message-ID');
    assert.match(sent.raw_data, /Subject: Via SES/);
    assert.match(sent.raw_data, /To: ses-to@example.com/);
    assert.match(sent.raw_data, /text\/html/);
    assert.match(sent.raw_data, /hello ses/);
  });

  test('an unverified SES identity fails fast (MessageRejected, one attempt)', async () => {
    const config = testConfig({ ...SES_VARS, DEFAULT_FROM_EMAIL: 'unverified@nowhere.example' });
    const w = await startTestWorker(config);
    stops.push(() => w.stop());
    const app = buildApp(config, w.client);
    const { workflow_id } = (await (await postMessage(app, { destinataire: 'x@example.com', sujet: 'No', message: 'x' })).json()) as Record<string, string>;
    const status = await waitForState(app, workflow_id!, ['sent', 'failed']);
    assert.equal(status.state, 'failed');
    assert.equal(status.attempts, 1);
    assert.match(JSON.stringify(status.error), /MessageRejected/);
  });

  test('when SES fails permanently and SMTP is the fallback, SMTP sends and the status names both', async () => {
    const sink = new MailCatcher();
    const port = await sink.start();
    stops.push(() => sink.stop());
    const config = testConfig({
      ...SES_VARS,
      DEFAULT_FROM_EMAIL: 'unverified@nowhere.example',
      SENDER_EMAIL: 'fallback@smtp.example',
      MAIL_FALLBACK_PROVIDER: 'smtp',
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(port),
    });
    const w = await startTestWorker(config);
    stops.push(() => w.stop());
    const app = buildApp(config, w.client);
    const { workflow_id } = (await (await postMessage(app, { destinataire: 'fb@example.com', sujet: 'Fallback', message: 'x' })).json()) as Record<string, string>;
    const status = await waitForState(app, workflow_id!, ['sent', 'failed']);
    assert.equal(status.state, 'sent');
    assert.equal(status.provider, 'smtp');
    const primary = status.primary_failure as { provider: string; error: string };
    assert.equal(primary.provider, 'ses');
    assert.match(primary.error, /MessageRejected/);
    const [mail] = await sink.waitFor((m) => m.length === 1);
    // One Message-ID per email, whichever provider carried it.
    assert.equal(mail!.messageId, status.message_id);
  });

  test('when the primary keeps failing with transient errors, the fallback sends after SEND_PRIMARY_MAX_ATTEMPTS', async () => {
    const primary = new MailCatcher();
    const fallback = new MailCatcher();
    const primaryPort = await primary.start();
    const fallbackPort = await fallback.start();
    stops.push(() => primary.stop(), () => fallback.stop());
    primary.fault = () => ({ code: 421, message: 'service not available' });
    const config = testConfig({
      ...SES_VARS,
      MAIL_PROVIDER: 'smtp',
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(primaryPort),
      MAIL_FALLBACK_PROVIDER: 'ses',
      SEND_PRIMARY_MAX_ATTEMPTS: '2',
      DEFAULT_FROM_EMAIL: 'verified@ses.example',
      SENDER_EMAIL: 'verified@ses.example',
    });
    const w = await startTestWorker(config);
    stops.push(() => w.stop());
    const app = buildApp(config, w.client);
    const { workflow_id } = (await (await postMessage(app, { destinataire: 'fb2@example.com', sujet: 'Fallback 2', message: 'x' })).json()) as Record<string, string>;
    const status = await waitForState(app, workflow_id!, ['sent', 'failed'], 60_000);
    assert.equal(status.state, 'sent');
    assert.equal(status.provider, 'ses');
    assert.equal(status.attempts, 3);
    assert.match((status.primary_failure as { error: string }).error, /421/);
    assert.equal(primary.messages.length, 0);
  });
});
