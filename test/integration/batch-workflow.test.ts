import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { createBatchGateway } from '../../src/api/batches.js';
import { createEmailGateway } from '../../src/api/emails.js';
import { batchResponseSchema } from '../../src/api/schemas.js';
import { createBatchMessageStore, type BatchMessageStore } from '../../src/db/batch-messages.js';
import { insertSuppression } from '../../src/db/suppressions.js';
import { createSql, type Sql } from '../../src/db/client.js';
import { createSendLedger } from '../../src/db/ledger.js';
import { migrate } from '../../src/db/migrate.js';
import type { Config } from '../../src/env.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import type { BatchSendSummary } from '../../workflows/batch-send.js';
import { buildApp, postMessage, waitForState } from '../support/api.js';
import { infra, testConfig } from '../support/env.js';
import { startTestWorker, testClient, type TestWorker } from '../support/worker.js';

const DOMAIN = 'batch.example.org';

describe('POST /messages through one BatchSendWorkflow (real worker, database and SMTP sink)', () => {
  const sink = new MailCatcher();
  let sql: Sql;
  let store: BatchMessageStore;
  let config: Config;
  let w: TestWorker;
  let app: ReturnType<typeof buildApp>;

  /** The app as src/server.ts builds it with a database, on `config`'s queue. */
  const appFor = (cfg: Config, client: TestWorker['client']) => {
    const single = createEmailGateway(client, cfg.temporal.taskQueue, cfg.http.temporalTimeoutMs);
    const { emails, batches } = createBatchGateway(client, cfg.temporal.taskQueue, cfg.http.temporalTimeoutMs, store, single);
    return buildApp(cfg, client, { emails, batches });
  };
  const configFor = (port: number) =>
    testConfig({ DATABASE_URL: infra.databaseUrl, SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(port), SENDER_EMAIL: 'batch@example.org', MESSAGE_ID_DOMAIN: DOMAIN });

  before(async () => {
    const port = await sink.start();
    sql = createSql(infra.databaseUrl);
    await migrate(sql);
    store = createBatchMessageStore(sql);
    config = configFor(port);
    w = await startTestWorker(config);
    app = appFor(config, w.client);
  });
  after(async () => {
    await w?.stop();
    await sink.stop();
    await sql?.end();
  });

  const post = (a: typeof app, messages: unknown[]) =>
    a.request('/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages }) });
  const msg = (key: string, i: number, over: Record<string, unknown> = {}) => ({ destinataire: `m${i}@example.com`, sujet: `Batch ${key}`, message: `Body ${i}`, idempotency_key: `${key}-${i}`, ...over });
  const batchOf = async (id: string) => (await sql<{ batch_id: string }[]>`SELECT batch_id FROM batch_messages WHERE id = ${id}`)[0]!.batch_id;
  const arrived = (messageId: string) => sink.messages.filter((m) => m.messageId === messageId).length;

  test('one workflow sends the request: each message its own id, status, Message-ID, and its outcome in the batch result', async () => {
    const key = randomUUID();
    const res = await post(app, [0, 1, 2, 3, 4].map((i) => msg(key, i)));
    assert.equal(res.status, 202);
    const body = batchResponseSchema.parse(await res.json());
    assert.equal(body.queued, 5);
    const ids = body.results.map((r) => (r.status === 'queued' ? r.workflow_id : ''));
    assert.deepEqual(ids, [0, 1, 2, 3, 4].map((i) => `message-${key}-${i}`));
    const batchId = await batchOf(ids[0]!);
    for (const id of ids) assert.equal(await batchOf(id), batchId, 'every message in the one batch');
    const summary = (await w.client.workflow.getHandle(batchId).result()) as BatchSendSummary;
    const described = await w.client.workflow.getHandle(batchId).describe();
    assert.equal(described.type, 'BatchSendWorkflow');
    assert.equal(described.typedSearchAttributes.get(defineSearchAttributeKey('MailKind', SearchAttributeType.KEYWORD)), 'batch', 'tagged at start: no upsert');
    assert.equal(summary.sent, 5);
    assert.deepEqual(summary.messages.map((m) => [m.id, m.outcome]), ids.map((id) => [id, 'sent']));
    for (const id of ids) {
      const status = await waitForState(app, id, ['sent']);
      assert.equal(status.message_id, `<${id}@${DOMAIN}>`);
      assert.equal(status.provider, 'smtp');
      assert.equal(arrived(`<${id}@${DOMAIN}>`), 1);
      // No workflow of its own: the batch carried it.
      await assert.rejects(w.client.workflow.getHandle(id).describe(), WorkflowNotFoundError);
    }
  });

  test('a repeated key is one email: in another batch, and against POST /message either way; another payload is a conflict', async () => {
    const key = randomUUID();
    const first = batchResponseSchema.parse(await (await post(app, [msg(key, 0), msg(key, 1)])).json());
    assert.ok(first.results.every((r) => r.status === 'queued' && !r.duplicate));
    await waitForState(app, `message-${key}-1`, ['sent']);
    const again = batchResponseSchema.parse(await (await post(app, [msg(key, 0), msg(key, 1, { sujet: 'Changed' })])).json());
    assert.ok(again.results[0]!.status === 'queued' && again.results[0]!.duplicate);
    assert.ok(again.results[1]!.status === 'rejected' && again.results[1]!.error.code === 'idempotency_conflict');

    const same = await postMessage(app, { destinataire: 'm0@example.com', sujet: `Batch ${key}`, message: 'Body 0' }, { 'idempotency-key': `${key}-0` });
    assert.equal(same.status, 202);
    assert.equal(((await same.json()) as { duplicate: boolean }).duplicate, true);
    const other = await postMessage(app, { destinataire: 'm0@example.com', sujet: 'Other', message: 'Body 0' }, { 'idempotency-key': `${key}-0` });
    assert.equal(other.status, 409);

    // POST /message first, then the same key in a batch: still one email.
    const single = await postMessage(app, { destinataire: 'm9@example.com', sujet: `Batch ${key}`, message: 'Body 9' }, { 'idempotency-key': `${key}-9` });
    assert.equal(single.status, 202);
    await waitForState(app, `message-${key}-9`, ['sent']);
    const later = batchResponseSchema.parse(await (await post(app, [msg(key, 9)])).json());
    assert.ok(later.results[0]!.status === 'queued' && later.results[0]!.duplicate);
    await new Promise((r) => setTimeout(r, 500));
    for (const i of [0, 1, 9]) assert.equal(arrived(`<message-${key}-${i}@${DOMAIN}>`), 1, `message ${i} once`);
  });

  test('one key twice in a request is still resolved in index order on the batch path (issue 13)', async () => {
    const key = randomUUID();
    const body = batchResponseSchema.parse(await (await post(app, [msg(key, 0), msg(key, 0), msg(key, 0, { sujet: 'Other' })])).json());
    const [a, b, c] = body.results;
    assert.ok(a!.status === 'queued' && !a!.duplicate);
    assert.ok(b!.status === 'queued' && b!.duplicate && b!.workflow_id === a!.workflow_id);
    assert.ok(c!.status === 'rejected' && c!.error.code === 'idempotency_conflict' && /messages\.2\b.*messages\.0\b/.test(c!.error.message));
    await waitForState(app, `message-${key}-0`, ['sent']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(arrived(`<message-${key}-0@${DOMAIN}>`), 1);
  });

  test('a message that fails in the batch goes to its own SendEmailWorkflow and is sent; the batch shows it handed off', async () => {
    const key = randomUUID();
    let refusals = 1;
    sink.fault = (s) => (s.envelope.rcptTo.some((r) => r.address === 'm1@example.com') && refusals-- > 0 ? { code: 451, message: '4.3.0 try again later' } : undefined);
    try {
      const body = batchResponseSchema.parse(await (await post(app, [msg(key, 0), msg(key, 1)])).json());
      assert.equal(body.queued, 2);
      const summary = (await w.client.workflow.getHandle(await batchOf(`message-${key}-0`)).result()) as BatchSendSummary;
      assert.deepEqual(summary.messages.map((m) => m.outcome), ['sent', 'handed_off']);
      const status = await waitForState(app, `message-${key}-1`, ['sent']);
      assert.equal(status.message_id, `<message-${key}-1@${DOMAIN}>`);
      const own = await w.client.workflow.getHandle(`message-${key}-1`).describe();
      assert.equal(own.type, 'SendEmailWorkflow');
      assert.equal(arrived(`<message-${key}-1@${DOMAIN}>`), 1);
    } finally {
      sink.fault = () => undefined;
    }
  });

  test('a suppressed address in a batch is `suppressed` with its reason and never sent; the others go out', async () => {
    const key = `supp-${randomUUID().slice(0, 8)}`;
    const blocked = `blocked-${key}@example.com`;
    await insertSuppression(sql, { address: blocked, scope: 'all', reason: 'complaint', source: 'test' });
    const res = await post(app, [msg(key, 0, { destinataire: blocked }), msg(key, 1)]);
    assert.equal(res.status, 202);
    const [first, second] = ((await res.json()) as { results: { workflow_id: string }[] }).results;
    const suppressed = await waitForState(app, first!.workflow_id, ['sent', 'failed', 'suppressed']);
    assert.equal(suppressed.state, 'suppressed', JSON.stringify(suppressed));
    assert.equal((suppressed.suppression as { reason: string }).reason, 'complaint');
    assert.equal((await waitForState(app, second!.workflow_id, ['sent', 'failed', 'suppressed'])).state, 'sent');
    assert.equal(sink.messages.filter((m) => m.to === blocked || JSON.stringify(m).includes(blocked)).length, 0, 'nothing reached the sink for the suppressed address');
  });

  test('DELETE /message/:id cancels a batch message until it is sent; a sent one is not cancellable', async () => {
    // A queue with no worker yet: the batch waits, its messages queued.
    const idle = configFor(Number(config.smtp.port));
    const t = await testClient();
    try {
      const idleApp = appFor(idle, t.client);
      const key = randomUUID();
      const body = batchResponseSchema.parse(await (await post(idleApp, [msg(key, 0), msg(key, 1)])).json());
      assert.equal(body.queued, 2);
      const status = await (await idleApp.request(`/message/message-${key}-0`)).json();
      assert.equal((status as { state: string }).state, 'queued');
      const cancel = await idleApp.request(`/message/message-${key}-0`, { method: 'DELETE' });
      assert.equal(cancel.status, 200);
      assert.equal(((await cancel.json()) as { state: string }).state, 'cancelled');
      const worker = await startTestWorker(idle);
      try {
        const summary = (await worker.client.workflow.getHandle(await batchOf(`message-${key}-0`)).result()) as BatchSendSummary;
        assert.deepEqual(summary.messages.map((m) => m.outcome), ['cancelled', 'sent']);
        assert.equal(summary.cancelled, 1);
      } finally {
        await worker.stop();
      }
      assert.equal(arrived(`<message-${key}-0@${DOMAIN}>`), 0);
      const late = await idleApp.request(`/message/message-${key}-1`, { method: 'DELETE' });
      assert.equal(late.status, 409);
      assert.equal(((await late.json()) as { error: { code: string } }).error.code, 'not_cancellable');
    } finally {
      await t.close();
    }
  });

  test('the send ledger: a message an earlier batch attempt claimed and sent is not sent again', async () => {
    const ledger = createSendLedger(sql);
    const key = randomUUID();
    // As if an earlier attempt had claimed and sent these, and died before its completion was recorded.
    await ledger.record({ messageId: `<message-${key}-0@${DOMAIN}>`, provider: 'smtp', providerMessageId: 'recorded-0' });
    const idle = configFor(Number(config.smtp.port));
    const t = await testClient();
    try {
      const idleApp = appFor(idle, t.client);
      await post(idleApp, [msg(key, 0), msg(key, 1)]);
      await sql`UPDATE batch_messages SET state = 'sending', attempts = 1 WHERE id = ${`message-${key}-0`}`;
      const worker = await startTestWorker(idle);
      try {
        const batched = await waitForState(idleApp, `message-${key}-0`, ['sent']);
        assert.equal(batched.provider_message_id, 'recorded-0');
        await waitForState(idleApp, `message-${key}-1`, ['sent']);
      } finally {
        await worker.stop();
      }
    } finally {
      await t.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(arrived(`<message-${key}-0@${DOMAIN}>`), 0);
    assert.equal(arrived(`<message-${key}-1@${DOMAIN}>`), 1);
  });

  test('the ledger and the batch rows are pruned past their retention, oldest first', async () => {
    const ledger = createSendLedger(sql);
    const id = `<prune-${randomUUID()}@${DOMAIN}>`;
    await ledger.record({ messageId: id, provider: 'smtp' });
    await sql`UPDATE send_ledger SET recorded_at = now() - interval '8 days' WHERE message_id = ${id}`;
    assert.ok((await ledger.prune(7 * 86_400_000)) >= 1);
    assert.equal(await ledger.find(id), undefined);
    const key = `message-prune-${randomUUID()}`;
    assert.equal(await store.reserveSingle(key, 'h'), true);
    await sql`UPDATE batch_messages SET created_at = now() - interval '8 days' WHERE id = ${key}`;
    assert.ok((await store.prune(7 * 86_400_000)) >= 1);
    assert.deepEqual(await store.holders([key]), []);
  });
});
