import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { batchResponseSchema } from '../../src/api/schemas.js';
import { SmtpMailer } from '../../src/mail/smtp.js';
import { MailError } from '../../src/mail/types.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { assertApiError } from '../api/helpers.js';
import { buildApp, postMessage, waitForState } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

describe('addresses as people write them, through the real worker to a real SMTP sink', () => {
  const sink = new MailCatcher();
  const plainSink = new MailCatcher({ smtpUtf8: false });
  let w: TestWorker;
  let app: ReturnType<typeof buildApp>;
  let plainPort = 0;
  before(async () => {
    const port = await sink.start();
    plainPort = await plainSink.start();
    const config = testConfig({ SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(port), SENDER_EMAIL: 'addr@example.org' });
    w = await startTestWorker(config);
    app = buildApp(config, w.client);
  });
  after(async () => {
    await w?.stop();
    await sink.stop();
    await plainSink.stop();
  });

  test('Name <address> with an internationalised domain: sent as punycode, shown as given', async () => {
    const given = 'Ada Lovelace <ada@exämple.fr>';
    const res = await postMessage(app, { destinataire: given, sujet: 'IDN', message: 'hello' });
    assert.equal(res.status, 202, await res.clone().text());
    const { workflow_id } = (await res.json()) as { workflow_id: string };
    const status = await waitForState(app, workflow_id, ['sent', 'failed']);
    assert.equal(status.state, 'sent', JSON.stringify(status));
    assert.equal(status.to, given);
    const mail = (await sink.waitFor((m) => m.some((x) => x.subject === 'IDN'))).find((x) => x.subject === 'IDN')!;
    // On the wire the domain is punycode (the header as sent); smtp-server decodes the envelope's.
    assert.deepEqual(mail.envelopeTo, ['ada@exämple.fr']);
    assert.match(mail.raw.toString(), /^To: Ada Lovelace <ada@xn--exmple-cua\.fr>\r?$/m);
    assert.equal(mail.to, '"Ada Lovelace" <ada@exämple.fr>');
  });

  test('a local part beyond ASCII goes out over SMTPUTF8 when the server offers it', async () => {
    const res = await postMessage(app, { destinataire: 'José <josé@example.com>', sujet: 'UTF8 local', message: 'hola' });
    assert.equal(res.status, 202, await res.clone().text());
    const { workflow_id } = (await res.json()) as { workflow_id: string };
    assert.equal((await waitForState(app, workflow_id, ['sent', 'failed'])).state, 'sent');
    const mail = (await sink.waitFor((m) => m.some((x) => x.subject === 'UTF8 local'))).find((x) => x.subject === 'UTF8 local')!;
    assert.deepEqual(mail.envelopeTo, ['josé@example.com']);
  });

  test('without SMTPUTF8 on the server, such an address answers 400 with that reason; ASCII ones still pass', async () => {
    const config = testConfig({ SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(plainPort) });
    const plainApp = buildApp(config, w.client);
    const e = await assertApiError(await postMessage(plainApp, { destinataire: 'josé@example.com', sujet: 's', message: 'm' }), 400, 'invalid_request', ['destinataire']);
    assert.match(e.details![0]!.reason, /beyond ASCII.*does not offer SMTPUTF8/);
    assert.ok(!e.details![0]!.reason.includes(String(plainPort)), 'the relay\'s address is not told to API clients');
    const batch = await plainApp.request('/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ destinataire: 'Ada <ada@exämple.fr>', sujet: 's', message: 'm' }, { destinataire: 'josé@example.com', sujet: 's', message: 'm' }] }),
    });
    const body = batchResponseSchema.parse(await batch.json());
    assert.deepEqual(body.results.map((r) => r.status), ['queued', 'rejected']);
    const r1 = body.results[1]!;
    assert.ok(r1.status === 'rejected' && /messages\.1\.destinataire/.test(JSON.stringify(r1.error.details)) && /SMTPUTF8/.test(JSON.stringify(r1.error.details)));
  });

  test('a worker whose SMTP server lacks SMTPUTF8 fails such an email for good, not silently', async () => {
    const mailer = new SmtpMailer({ host: '127.0.0.1', port: plainPort, poolSize: 1 });
    try {
      await assert.rejects(
        mailer.send({ from: 's@example.org', to: 'josé@example.com', subject: 's', text: 't', html: '<p>t</p>', messageId: '<utf8-test@example.org>' }),
        (err: unknown) => err instanceof MailError && err.permanent && err.type === 'SmtpUtf8Unsupported',
      );
      assert.equal(plainSink.messages.length, 0);
      await mailer.send({ from: 's@example.org', to: 'Ada <ada@exämple.fr>', subject: 'plain ok', text: 't', html: '<p>t</p>', messageId: '<ascii-test@example.org>' });
      assert.equal(plainSink.messages.length, 1);
    } finally {
      await mailer.close();
    }
  });

  test('the allowlist reads display names and Unicode domains the same way', async () => {
    const config = testConfig({ SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(sink.port), RECIPIENT_ALLOWLIST: 'exämple.fr' });
    const listed = buildApp(config, w.client);
    assert.equal((await postMessage(listed, { destinataire: 'Ada <ada@xn--exmple-cua.fr>', sujet: 'allowed', message: 'm' })).status, 202);
    assert.equal((await postMessage(listed, { destinataire: 'ada@sub.exämple.fr', sujet: 'allowed', message: 'm' })).status, 202);
    const e = await assertApiError(await postMessage(listed, { destinataire: '"ada@exämple.fr" <x@evil.example>', sujet: 's', message: 'm' }), 403, 'recipient_not_allowed');
    assert.deepEqual(e.details, [{ field: 'destinataire', reason: 'is not in the recipient allowlist' }]);
  });
});
