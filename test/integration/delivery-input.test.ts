// The delivery routes (suppressions, SES events) against bad input and a Temporal that was unreachable
// when a suppression was written: a clear 400 naming the field, never a 500; and a mirror into SES's
// suppression list that still starts when the request (or SNS's redelivery) comes again.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { buildDeliveryDeps } from '../../src/api/delivery-deps.js';
import { mirrorWorkflowId } from '../../src/api/effects.js';
import type { Config } from '../../src/env.js';
import { freePort } from '../../src/dev/ports.js';
import { buildApp } from '../support/api.js';
import { createTestDatabase } from '../support/db.js';
import { testConfig } from '../support/env.js';
import { SES_VARS } from '../support/ses.js';
import { sesEvent, startFakeSns, TOPIC_ARN, type FakeSns } from '../support/sns.js';
import { testClient } from '../support/worker.js';

describe('delivery routes: bad input is a 400, and a mirror refused by an unreachable Temporal starts on the retry', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sns: FakeSns;
  let config: Config;
  let live: Awaited<ReturnType<typeof testClient>>;
  let down: Client;
  let up: ReturnType<typeof buildApp>;
  let unreachable: ReturnType<typeof buildApp>;
  const tag = randomUUID().slice(0, 8);

  before(async () => {
    db = await createTestDatabase();
    sns = await startFakeSns();
    // SES as a provider: the API mirrors bounces (soft ones too) and complaints into SES's suppression list.
    config = testConfig({ ...SES_VARS, NODE_ENV: 'test', MAIL_PROVIDER: 'ses', DEFAULT_FROM_EMAIL: 'noreply@events.example', DATABASE_URL: db.url, SES_EVENTS_TOPIC_ARNS: TOPIC_ARN, SNS_CERT_CA_FILE: sns.caFile, SNS_CERT_CONNECT_TO: sns.connectTo, TEMPORAL_REQUEST_TIMEOUT: '2s' });
    live = await testClient();
    // A Temporal nobody listens on: every start fails as "unavailable", as during an outage.
    down = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
    up = buildApp(config, live.client, { delivery: buildDeliveryDeps(config, db.sql, live.client) });
    unreachable = buildApp(config, down, { delivery: buildDeliveryDeps(config, db.sql, down) });
  });
  after(async () => {
    await down?.connection.close();
    await live?.close();
    await sns?.close();
    await db?.drop();
  });

  const json = (body: unknown) => ({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** The mirror of the address's current suppression: the type of its workflow, if one was started. */
  const mirrorStarted = async (address: string, reason: 'bounce' | 'complaint') => {
    const [row] = await db.sql<{ created_at: Date }[]>`SELECT created_at FROM suppressions WHERE address = ${address}`;
    if (!row) return undefined;
    return live.client.workflow
      .getHandle(mirrorWorkflowId(address, reason, row.created_at.toISOString()))
      .describe()
      .then((d) => d.type)
      .catch(() => undefined);
  };
  const field = async (res: Response) => ((await res.json()) as { error: { details: { field: string }[] } }).error.details[0]!.field;

  test('PUT /suppressions answered 503 after its row was written: the retry starts the SES mirror', async () => {
    const address = `bounced-${tag}@example.com`;
    const first = await unreachable.request(`/suppressions/${encodeURIComponent(address)}`, json({ reason: 'bounce' }));
    assert.equal(first.status, 503, await first.clone().text());
    assert.equal(await mirrorStarted(address, 'bounce'), undefined);
    const retry = await up.request(`/suppressions/${encodeURIComponent(address)}`, json({ reason: 'bounce' }));
    assert.equal(retry.status, 200, 'already on the list');
    assert.equal(await mirrorStarted(address, 'bounce'), 'MirrorSesSuppressionWorkflow');
  });

  test('PUT /suppressions mirrors as an SES event does: a soft bounce as a bounce, a manual suppression not at all', async () => {
    const soft = `soft-${tag}@example.com`;
    assert.equal((await up.request(`/suppressions/${encodeURIComponent(soft)}`, json({ reason: 'soft_bounce' }))).status, 201);
    assert.equal(await mirrorStarted(soft, 'bounce'), 'MirrorSesSuppressionWorkflow');
    const manual = `manual-${tag}@example.com`;
    assert.equal((await up.request(`/suppressions/${encodeURIComponent(manual)}`, json({}))).status, 201);
    assert.deepEqual([await mirrorStarted(manual, 'bounce'), await mirrorStarted(manual, 'complaint')], [undefined, undefined]);
  });

  test('an address removed and suppressed again later is mirrored again: one mirror per suppression', async () => {
    const address = `again-${tag}@example.com`;
    const path = `/suppressions/${encodeURIComponent(address)}`;
    assert.equal((await up.request(path, json({ reason: 'complaint' }))).status, 201);
    const [first] = await db.sql<{ created_at: Date }[]>`SELECT created_at FROM suppressions WHERE address = ${address}`;
    assert.equal((await up.request(path, { method: 'DELETE' })).status, 200);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal((await up.request(path, json({ reason: 'complaint' }))).status, 201);
    const [second] = await db.sql<{ created_at: Date }[]>`SELECT created_at FROM suppressions WHERE address = ${address}`;
    const ids = [first!, second!].map((row) => mirrorWorkflowId(address, 'complaint', row.created_at.toISOString()));
    assert.notEqual(ids[0], ids[1]);
    const runs = await Promise.all(ids.map((id) => live.client.workflow.getHandle(id).describe()));
    assert.deepEqual(runs.map((d) => d.type), ['MirrorSesSuppressionWorkflow', 'MirrorSesSuppressionWorkflow'], 'the second suppression has a mirror of its own');
    assert.notEqual(runs[0]!.runId, runs[1]!.runId);
  });

  test('an SNS bounce answered 503 after it was recorded: its redelivery starts the SES mirror', async () => {
    const address = `gone-${tag}@example.com`;
    const message = sns.notification(sesEvent('Bounce', { sesMessageId: `ses-${tag}`, messageId: `<m-${tag}@events.example>`, to: address }));
    const post = (app: ReturnType<typeof buildApp>) => app.request('/events/ses', { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: JSON.stringify(message) });
    assert.equal((await post(unreachable)).status, 503);
    assert.equal(await mirrorStarted(address, 'bounce'), undefined);
    const again = await post(up);
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { status: string }).status, 'duplicate');
    assert.equal(await mirrorStarted(address, 'bounce'), 'MirrorSesSuppressionWorkflow');
  });

  test('a signed SES event carrying NUL in a diagnostic is recorded (as U+FFFD), not refused with a 500', async () => {
    const address = `nul-${tag}@example.com`;
    const event = sesEvent('Bounce', { sesMessageId: `ses-nul-${tag}`, messageId: `<nul-${tag}@events.example>`, to: address });
    (event as unknown as { bounce: { bouncedRecipients: { diagnosticCode: string }[] } }).bounce.bouncedRecipients[0]!.diagnosticCode = 'smtp; 550 \u0000 bad';
    const res = await up.request('/events/ses', { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: JSON.stringify(sns.notification(event)) });
    assert.equal(res.status, 200, await res.clone().text());
    const [row] = await db.sql<{ detail: { bouncedRecipients: { diagnosticCode: string }[] } }[]>`SELECT detail FROM email_events WHERE ses_message_id = ${`ses-nul-${tag}`}`;
    assert.equal(row!.detail.bouncedRecipients[0]!.diagnosticCode, 'smtp; 550 \uFFFD bad');
  });

  test('bad input on the suppression and event routes is a 400 naming the field', async () => {
    const cases: [string, Response | Promise<Response>, string][] = [
      ['NUL in the cursor', up.request('/suppressions?cursor=%00'), 'cursor'],
      ['NUL in the recipient', up.request('/events?recipient=a%00@b.c'), 'recipient'],
      // Given twice, a parameter is refused rather than read as one of its copies.
      ['the limit twice', up.request('/suppressions?limit=10&limit=500'), 'limit'],
      ['the reason twice', up.request('/suppressions?reason=bounce&reason=manual'), 'reason'],
      ['the cursor twice', up.request('/suppressions?cursor=a&cursor=b'), 'cursor'],
      ['the recipient twice', up.request('/events?recipient=a@b.c&recipient=d@e.f'), 'recipient'],
      ['NUL in the detail', up.request(`/suppressions/x-${tag}@example.com`, json({ detail: 'x\u0000y' })), 'detail'],
      ['a misspelt field', up.request(`/suppressions/x-${tag}@example.com`, json({ reasn: 'bounce' })), 'reasn'],
      ['a null reason', up.request(`/suppressions/x-${tag}@example.com`, json({ reason: null })), 'reason'],
      // Read as strictly as POST /message's body: never stored as U+FFFD.
      ['bytes that are not UTF-8', up.request(`/suppressions/x-${tag}@example.com`, { method: 'PUT', body: Buffer.from([0x7b, 0x22, 0x64, 0x65, 0x74, 0x61, 0x69, 0x6c, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]) }), 'body'],
      ['the detail twice', up.request(`/suppressions/x-${tag}@example.com`, { method: 'PUT', body: '{"detail": "a", "detail": "b"}' }), 'detail'],
      ['an unpaired surrogate in the detail', up.request(`/suppressions/x-${tag}@example.com`, { method: 'PUT', body: '{"detail": "a \\ud800 b"}' }), 'detail'],
    ];
    for (const [name, pending, want] of cases) {
      const res = await pending;
      assert.equal(res.status, 400, name);
      assert.equal(await field(res), want, name);
    }
    assert.equal((await db.sql`SELECT 1 FROM suppressions WHERE address = ${`x-${tag}@example.com`}`).length, 0, 'nothing was written');
  });

  test('an address with a percent sign is decoded once: added, listed and removed as given', async () => {
    const address = `a%zz-${tag}@example.com`;
    const path = `/suppressions/${encodeURIComponent(address)}`;
    const added = await up.request(path, json({ reason: 'manual' }));
    assert.equal(added.status, 201, await added.clone().text());
    assert.equal(((await added.json()) as { address: string }).address, address);
    const removed = await up.request(path, { method: 'DELETE' });
    assert.equal(removed.status, 200);
    assert.equal(((await removed.json()) as { address: string }).address, address);
  });
});
