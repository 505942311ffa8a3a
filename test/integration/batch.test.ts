import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { batchResponseSchema } from '../../src/api/schemas.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { buildApp, waitForState } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

describe('POST /messages: up to 100 emails in one request, each its own workflow', () => {
  const sink = new MailCatcher();
  let w: TestWorker;
  let app: ReturnType<typeof buildApp>;
  before(async () => {
    const port = await sink.start();
    const config = testConfig({ SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(port), SENDER_EMAIL: 'batch@example.org' });
    w = await startTestWorker(config);
    app = buildApp(config, w.client);
  });
  after(async () => {
    await w?.stop();
    await sink.stop();
  });

  const post = (body: unknown) => app.request('/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const good = (i: number) => ({ destinataire: `b${i}@example.com`, sujet: `Batch ${i}`, message: 'x' });

  test('bad messages are reported by index while the others are queued and delivered, each with its own Message-ID', async () => {
    const messages = [good(0), good(1), { ...good(2), idempotency_key: 'batch-fixed-2' }, { destinataire: 'b3@example.com', message: 'no subject' }, { ...good(4), destinataire: 'not-an-address' }, 'not an object'];
    const res = await post({ messages });
    assert.equal(res.status, 202);
    const body = batchResponseSchema.parse(await res.json());
    assert.equal(body.queued, 3);
    assert.equal(body.rejected, 3);
    assert.deepEqual(body.results.map((r) => r.status), ['queued', 'queued', 'queued', 'rejected', 'rejected', 'rejected']);
    const [r2, r3, r4, r5] = [body.results[2]!, body.results[3]!, body.results[4]!, body.results[5]!];
    assert.ok(r2.status === 'queued' && r2.workflow_id === 'message-batch-fixed-2' && r2.idempotency_key === 'batch-fixed-2');
    assert.ok(r3.status === 'rejected' && JSON.stringify(r3.error.details).includes('messages.3.sujet'));
    assert.ok(r4.status === 'rejected' && JSON.stringify(r4.error.details).includes('messages.4.destinataire'));
    assert.ok(r5.status === 'rejected' && JSON.stringify(r5.error.details).includes('"messages.5"'));
    const queued = body.results.filter((r) => r.status === 'queued');
    for (const r of queued) if (r.status === 'queued') assert.equal((await waitForState(app, r.workflow_id, ['sent'])).state, 'sent');
    const mails = await sink.waitFor((m) => m.length >= 3);
    assert.deepEqual(mails.map((m) => m.subject).sort(), ['Batch 0', 'Batch 1', 'Batch 2']);
    assert.equal(new Set(mails.map((m) => m.messageId)).size, 3);
    assert.ok(mails.some((m) => m.messageId === '<message-batch-fixed-2@example.org>'));

    // Resending the batch with the keys it returned sends nothing twice.
    const again = batchResponseSchema.parse(
      await (await post({ messages: queued.map((r, i) => ({ ...good(i === 2 ? 2 : i), ...(r.status === 'queued' ? { idempotency_key: r.idempotency_key } : {}) })) })).json(),
    );
    assert.ok(again.results.every((r) => r.status === 'queued' && r.duplicate));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sink.messages.length, 3);
  });

  test('the batch itself is checked: 1 to 100 messages, an array, no unknown fields; all bad answers 400', async () => {
    for (const body of [{ messages: [] }, { messages: Array.from({ length: 101 }, (_, i) => good(i)) }, { messages: 'x' }, {}, [good(0)]]) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 60));
      assert.match(JSON.stringify(await res.json()), /messages/);
    }
    const unknown = await post({ messages: [good(0)], extra: 1 });
    assert.equal(unknown.status, 400);
    assert.match(JSON.stringify(await unknown.json()), /extra/);
    const allBad = await post({ messages: [{ destinataire: 'x' }, { sujet: 'y' }] });
    assert.equal(allBad.status, 400);
    assert.equal(batchResponseSchema.parse(await allBad.json()).rejected, 2);
  });
});
