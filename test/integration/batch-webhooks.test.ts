// What a batched message's outcome tells the webhook endpoint. A message that POST /messages' batch
// sends, fails or finds cancelled has no workflow of its own to announce it: the batch activity starts
// the WebhookDeliveryWorkflow itself, once per message and event, signed like every other webhook.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createBatchGateway } from '../../src/api/batches.js';
import { createEmailGateway } from '../../src/api/emails.js';
import { batchResponseSchema } from '../../src/api/schemas.js';
import { createBatchMessageStore, type BatchMessageStore } from '../../src/db/batch-messages.js';
import { createSql, type Sql } from '../../src/db/client.js';
import { createSendLedger } from '../../src/db/ledger.js';
import { migrate } from '../../src/db/migrate.js';
import type { Config } from '../../src/env.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import type { BatchSendSummary } from '../../workflows/batch-send.js';
import { buildApp } from '../support/api.js';
import { infra, testConfig } from '../support/env.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { startTestWorker, testClient, type TestWorker } from '../support/worker.js';

const DOMAIN = 'batch-hooks.example.org';
const WEBHOOK_SECRET = `whsec_${Buffer.from('batch webhooks test secret, 32 bytes!').toString('base64')}`;

describe('webhooks for the messages of a POST /messages batch (real worker, database, SMTP sink, signed receiver)', () => {
  const sink = new MailCatcher();
  let sql: Sql;
  let store: BatchMessageStore;
  let config: Config;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;

  before(async () => {
    const port = await sink.start();
    sql = createSql(infra.databaseUrl);
    await migrate(sql);
    store = createBatchMessageStore(sql);
    hooks = await startWebhookReceiver(WEBHOOK_SECRET, 1);
    config = testConfig({
      DATABASE_URL: infra.databaseUrl,
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(port),
      SENDER_EMAIL: 'batch@example.org',
      MESSAGE_ID_DOMAIN: DOMAIN,
      WEBHOOK_URL: hooks.url,
      WEBHOOK_SECRET,
      WEBHOOK_RETRY_INITIAL: '200ms',
    });
  });
  after(async () => {
    await hooks?.close();
    await sink.stop();
    await sql?.end();
  });

  test('sent, failed, cancelled and sent-by-an-earlier-attempt messages are each announced once, signed', async () => {
    const key = randomUUID();
    const to = (i: number) => `hook${i}-${key.slice(0, 8)}@example.com`;
    const id = (i: number) => `message-${key}-${i}`;
    const messageId = (i: number) => `<${id(i)}@${DOMAIN}>`;
    sink.fault = (s) => (s.envelope.rcptTo.some((r) => r.address === to(1)) ? { code: 550, message: '5.1.1 no such user' } : undefined);
    // No worker on this queue yet: the batch waits with its messages queued.
    const t = await testClient();
    let w: TestWorker | undefined;
    try {
      const single = createEmailGateway(t.client, config.temporal.taskQueue, config.http.temporalTimeoutMs);
      const { emails, batches } = createBatchGateway(t.client, config.temporal.taskQueue, config.http.temporalTimeoutMs, store, single);
      const app = buildApp(config, t.client, { emails, batches });
      const messages = [0, 1, 2, 3].map((i) => ({ destinataire: to(i), sujet: `Hooks ${key}`, message: `Body ${i}`, idempotency_key: `${key}-${i}` }));
      const res = await app.request('/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages }) });
      assert.equal(batchResponseSchema.parse(await res.json()).queued, 4);
      assert.equal((await app.request(`/message/${id(0)}`, { method: 'DELETE' })).status, 200);
      // As if an earlier attempt had claimed and sent message 3, then died before its outcome was kept.
      await createSendLedger(sql).record({ messageId: messageId(3), provider: 'smtp', providerMessageId: 'recorded-3' });
      await sql`UPDATE batch_messages SET state = 'sending', attempts = 1 WHERE id = ${id(3)}`;

      w = await startTestWorker(config);
      const batchId = (await sql<{ batch_id: string }[]>`SELECT batch_id FROM batch_messages WHERE id = ${id(0)}`)[0]!.batch_id;
      const summary = (await w.client.workflow.getHandle(batchId).result()) as BatchSendSummary;
      assert.deepEqual(summary.messages.map((m) => [m.id, m.outcome]), [
        [id(0), 'cancelled'],
        [id(1), 'failed'],
        [id(2), 'sent'],
        [id(3), 'sent'],
      ]);

      const want: [string, string][] = [
        ['email.cancelled', id(0)],
        ['email.failed', id(1)],
        ['email.sent', id(2)],
        ['email.sent', id(3)],
      ];
      const ours = () => hooks.accepted().filter((r) => String(r.body!.data.email_id).startsWith(`message-${key}-`));
      const deadline = Date.now() + 30_000;
      const missing = () => want.filter(([type, emailId]) => !ours().some((r) => r.body!.type === type && r.body!.data.email_id === emailId));
      while (missing().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(missing(), [], `received: ${JSON.stringify(ours().map((r) => [r.body!.type, r.body!.data.email_id]))}`);
      assert.equal(ours().length, 4, 'one event per message, nothing else');

      const data = (type: string, i: number) => ours().find((r) => r.body!.type === type && r.body!.data.email_id === id(i))!.body!.data;
      assert.deepEqual(data('email.cancelled', 0), { email_id: id(0), message_id: messageId(0), to: to(0), state: 'cancelled', provider: null, provider_message_id: null });
      const failed = data('email.failed', 1);
      assert.equal(failed.state, 'failed');
      assert.equal(failed.message_id, messageId(1));
      assert.equal(failed.to, to(1));
      assert.match(String((failed.error as { message: string }).message), /550/);
      assert.equal(data('email.sent', 2).provider, 'smtp');
      assert.equal(data('email.sent', 2).message_id, messageId(2));
      assert.equal(data('email.sent', 2).to, to(2));
      assert.deepEqual(data('email.sent', 3), { email_id: id(3), message_id: messageId(3), to: to(3), state: 'sent', provider: 'smtp', provider_message_id: 'recorded-3' });

      assert.equal(hooks.badSignatures.length, 0, 'every POST carried a valid Standard Webhooks signature');
      for (const r of ours()) assert.equal(r.attempts, 2, `${r.id}: refused once, accepted on the retry, never posted again`);
      assert.equal(sink.messages.filter((m) => m.messageId === messageId(3)).length, 0, 'the recorded send was not repeated');
      assert.equal(sink.messages.filter((m) => m.messageId === messageId(0)).length, 0, 'the cancelled message was not sent');
    } finally {
      sink.fault = () => undefined;
      await w?.stop();
      await t.close();
    }
  });
});
