import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildDeliveryDeps } from '../../src/api/delivery-deps.js';
import { emailStatusSchema } from '../../src/api/schemas.js';
import type { Sql } from '../../src/db/client.js';
import { unsubscribeToken } from '../../src/unsubscribe/token.js';
import { buildApp, postMessage, waitForState } from '../support/api.js';
import { createTestDatabase, seedTasks } from '../support/db.js';
import { infra, testConfig } from '../support/env.js';
import { SES_VARS, sesSentMessages, verifySesIdentity } from '../support/ses.js';
import { sesEvent, SNS_HOST, startFakeSns, TOPIC_ARN, type FakeSns } from '../support/sns.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';
import { SesFaultProxy } from '../faults/ses-proxy.js';

const FROM = 'noreply@events.example';
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const UNSUBSCRIBE_SECRET = randomBytes(32).toString('hex');

describe('delivery truth: signed SNS events from SES, the suppression list, webhooks', () => {
  let db: { sql: Sql; url: string; drop(): Promise<void> };
  let sns: FakeSns;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let w: TestWorker;
  let app: ReturnType<typeof buildApp>;
  let taskQueue: string;
  const tag = randomUUID().slice(0, 8);
  const to = { delivered: `ok-${tag}@example.com`, bounced: `gone-${tag}@example.com`, complained: `angry-${tag}@example.com` };
  const sent: Record<string, { id: string; messageId: string; sesMessageId: string }> = {};
  // In front of moto: it forwards the sends and answers PutSuppressedDestination, which moto lacks.
  const sesProxy = new SesFaultProxy(infra.sesEndpoint);
  let reminderMessageId = '';

  before(async () => {
    db = await createTestDatabase();
    sns = await startFakeSns();
    hooks = await startWebhookReceiver(WEBHOOK_SECRET, 2);
    await verifySesIdentity(FROM);
    const config = testConfig({
      ...SES_VARS,
      AWS_SES_REGION_ENDPOINT: await sesProxy.start(),
      NODE_ENV: 'test',
      DEFAULT_FROM_EMAIL: FROM,
      DATABASE_URL: db.url,
      SWEEP_SCHEDULE_ON_START: 'false',
      SES_EVENTS_TOPIC_ARNS: TOPIC_ARN,
      SUPPRESS_AFTER_SOFT_BOUNCES: '3',
      SNS_CERT_CA_FILE: sns.caFile,
      SNS_CERT_CONNECT_TO: sns.connectTo,
      WEBHOOK_URL: hooks.url,
      WEBHOOK_SECRET,
      WEBHOOK_RETRY_INITIAL: '500ms',
      PUBLIC_BASE_URL: 'https://mailer.example.com',
      UNSUBSCRIBE_SECRET,
    });
    taskQueue = config.temporal.taskQueue;
    w = await startTestWorker(config);
    app = buildApp(config, w.client, { delivery: buildDeliveryDeps(config, db.sql, w.client) });
  });
  after(async () => {
    await w?.stop();
    await hooks?.close();
    await sns?.close();
    await sesProxy.stop();
    await db?.drop();
  });

  const postSns = (body: unknown) => app.request('/events/ses', { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  /**
   * The history's markers and webhook child starts. The API vouches for the first-attempt, webhook and
   * suppression patches (knownPatches), so the local activity's marker is the only one: no patch marker,
   * no TemporalChangeVersion upsert.
   */
  const markersAndChildren = async (workflowId: string) => {
    const events = (await w.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    assert.ok(!events.some((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.TemporalChangeVersion), 'no TemporalChangeVersion upsert');
    return {
      markers: events.flatMap((e) => (e.markerRecordedEventAttributes ? [e.markerRecordedEventAttributes.markerName] : [])),
      children: events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length,
    };
  };
  const eventCount = async () => Number((await db.sql`SELECT count(*)::int AS n FROM email_events`)[0]!.n);
  const suppressionCount = async () => Number((await db.sql`SELECT count(*)::int AS n FROM suppressions`)[0]!.n);

  test('three emails go out through SES (moto)', async () => {
    for (const [kind, address] of Object.entries(to)) {
      const res = await postMessage(app, { destinataire: address, sujet: `Outcome ${kind}`, message: 'hello' });
      const { workflow_id } = (await res.json()) as { workflow_id: string };
      const status = await waitForState(app, workflow_id, ['sent', 'failed']);
      assert.equal(status.state, 'sent', JSON.stringify(status));
      assert.equal((status.delivery as { status: string }).status, 'unknown');
      sent[kind] = { id: workflow_id, messageId: status.message_id as string, sesMessageId: status.provider_message_id as string };
      assert.deepEqual(await markersAndChildren(workflow_id), { markers: ['core_local_activity'], children: 1 });
    }
  });

  test('signed Delivery, Bounce and Complaint events are recorded once and show in GET /message/:id', async () => {
    const kinds = { delivered: 'Delivery', bounced: 'Bounce', complained: 'Complaint' } as const;
    for (const [kind, eventType] of Object.entries(kinds)) {
      const email = sent[kind]!;
      // Delivery matched by the SES id only, the others by our Message-ID only: both ways work.
      const ids = kind === 'delivered' ? { sesMessageId: email.sesMessageId, messageId: '<elsewhere@x>' } : { sesMessageId: 'not-ours', messageId: email.messageId };
      const res = await postSns(sns.notification(sesEvent(eventType, { ...ids, to: to[kind as keyof typeof to] }), { version: kind === 'complained' ? '1' : '2' }));
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(((await res.json()) as { status: string }).status, 'recorded');
      const status = (await (await app.request(`/message/${email.id}`)).json()) as { delivery: { status: string; at: string; events: { type: string }[] } };
      assert.equal(status.delivery.status, kind);
      assert.ok(status.delivery.at);
      assert.equal(status.delivery.events.length, 1);
    }
    assert.equal(await eventCount(), 3);
  });

  test('the bounced and complaining addresses are suppressed; the delivered one is not', async () => {
    const res = await app.request('/suppressions');
    const { items } = (await res.json()) as { items: { address: string; reason: string; source: string }[] };
    const mine = items.filter((i) => i.address.includes(tag));
    assert.deepEqual(mine.map((i) => [i.address, i.reason, i.source]).sort(), [
      [to.complained, 'complaint', 'ses'],
      [to.bounced, 'bounce', 'ses'],
    ].sort());
    const bounces = (await (await app.request('/suppressions?reason=bounce')).json()) as { items: { address: string }[] };
    assert.deepEqual(bounces.items.map((i) => i.address), [to.bounced]);
    assert.equal((await app.request('/suppressions?reason=nope')).status, 400);
  });

  test('a new email to a suppressed address is `suppressed` and never reaches SES', async () => {
    for (const address of [to.bounced, to.complained]) {
      const before = (await sesSentMessages()).filter((m) => m.destinations.includes(address)).length;
      const { workflow_id } = (await (await postMessage(app, { destinataire: address, sujet: 'Again', message: 'x' })).json()) as { workflow_id: string };
      const status = await waitForState(app, workflow_id, ['sent', 'failed', 'suppressed']);
      assert.equal(status.state, 'suppressed', JSON.stringify(status));
      emailStatusSchema.parse(status);
      assert.ok(['bounce', 'complaint'].includes((status.suppression as { reason: string }).reason));
      assert.equal(status.attempts, 1);
      const after = (await sesSentMessages()).filter((m) => m.destinations.includes(address)).length;
      assert.equal(after, before, 'nothing more reached the provider');
      assert.deepEqual(await markersAndChildren(workflow_id), { markers: ['core_local_activity'], children: 1 });
    }
  });

  test('forged, foreign, truncated and replayed SNS messages are refused and change nothing', async () => {
    const events = await eventCount();
    const suppressions = await suppressionCount();
    const event = sesEvent('Bounce', { sesMessageId: 'forged', messageId: sent.delivered!.messageId, to: to.delivered });
    const good = sns.notification(event);

    const tampered = { ...good, Message: JSON.stringify({ ...event, extra: 1 }) };
    const otherHost = sns.sign({ ...sns.notification(event), SigningCertURL: `https://evil.example.com${new URL(sns.certUrl).pathname}` });
    const plainHttp = sns.sign({ ...sns.notification(event), SigningCertURL: sns.certUrl.replace('https:', 'http:') });
    const lookalike = sns.sign({ ...sns.notification(event), SigningCertURL: `https://${SNS_HOST}.evil.example${new URL(sns.certUrl).pathname}` });
    const unknownTopic = sns.notification(event, { topicArn: 'arn:aws:sns:us-east-1:999999999999:other' });
    const badVersion = { ...good, SignatureVersion: '3' };
    const cases: [string, unknown, number, string][] = [
      ['bad signature', tampered, 403, 'invalid_signature'],
      ['certificate from another host', otherHost, 403, 'invalid_signature'],
      ['HTTP certificate URL', plainHttp, 403, 'invalid_signature'],
      ['SNS host as a prefix of another domain', lookalike, 403, 'invalid_signature'],
      ['unknown topic', unknownTopic, 403, 'unknown_topic'],
      ['unknown signature version', badVersion, 403, 'invalid_signature'],
      ['truncated body', JSON.stringify(good).slice(0, 200), 400, 'invalid_body'],
      ['empty body', '', 400, 'invalid_body'],
    ];
    for (const [name, body, code, errorCode] of cases) {
      const res = await postSns(body);
      const answer = (await res.json()) as { error: { code: string; details: { field: string }[] } };
      assert.equal(res.status, code, `${name}: ${JSON.stringify(answer)}`);
      assert.equal(answer.error.code, errorCode, name);
      assert.ok(answer.error.details[0]?.field, `${name} names the field`);
    }
    // A replay of a genuine message: answered (SNS must stop redelivering) and recorded nothing again.
    const replayed = sns.notification(sesEvent('Delivery', { ...sent.delivered!, to: to.delivered }), { messageId: randomUUID() });
    assert.equal(((await (await postSns(replayed)).json()) as { status: string }).status, 'recorded');
    const again = await postSns(replayed);
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { status: string }).status, 'duplicate');
    assert.equal(await eventCount(), events + 1, 'only the genuine message was recorded, once');
    assert.equal(await suppressionCount(), suppressions);
    const status = (await (await app.request(`/message/${sent.delivered!.id}`)).json()) as { delivery: { status: string } };
    assert.equal(status.delivery.status, 'delivered');
  });

  test('a subscription confirmation is confirmed by fetching SubscribeURL from an activity', async () => {
    const subscribeUrl = `https://${SNS_HOST}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC_ARN)}&Token=${tag}`;
    const msg = sns.sign({ Type: 'SubscriptionConfirmation', MessageId: randomUUID(), TopicArn: TOPIC_ARN, Message: 'confirm', Timestamp: new Date().toISOString(), Token: tag, SubscribeURL: subscribeUrl });
    const res = await postSns(msg);
    assert.equal(res.status, 200, await res.clone().text());
    const deadline = Date.now() + 20_000;
    while (!sns.requests.some((r) => r.includes(`Token=${tag}`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(sns.requests.some((r) => r.includes(`Token=${tag}`)), 'the worker fetched SubscribeURL');
  });

  test('forged unsubscribe tokens are refused; a genuine one-click POST suppresses reminders only', async () => {
    const address = `owner-${tag}@example.com`;
    const token = unsubscribeToken(UNSUBSCRIBE_SECRET, address);
    const forged = unsubscribeToken('another-secret-of-enough-length-0123456789', address);
    const altered = `${Buffer.from(JSON.stringify({ a: `victim-${tag}@example.com`, s: 'reminders' })).toString('base64url')}.${token.split('.')[1]}`;
    const before = await suppressionCount();
    for (const t of [forged, altered, 'garbage', `${token}x`]) {
      const res = await app.request(`/unsubscribe/${t}`, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(res.status, 403, t);
    }
    assert.equal(await suppressionCount(), before);
    const page = await app.request(`/unsubscribe/${token}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<form method="post">/);
    assert.equal(await suppressionCount(), before, 'GET changes nothing');
    const res = await app.request(`/unsubscribe/${token}`, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 200);
    const rows = await db.sql`SELECT scope, reason FROM suppressions WHERE address = ${address}`;
    assert.deepEqual(rows.map((r) => [r.scope, r.reason]), [['reminders', 'unsubscribe']]);
    // A message (not a reminder) to that owner still goes out.
    const { workflow_id } = (await (await postMessage(app, { destinataire: address, sujet: 'Direct', message: 'x' })).json()) as { workflow_id: string };
    assert.equal((await waitForState(app, workflow_id, ['sent', 'failed', 'suppressed'])).state, 'sent');
  });

  test('bounces and complaints are mirrored into SES\'s account-level suppression list, by a workflow', async () => {
    // The worker's SES v2 client sends PutSuppressedDestination (moto lacks it; the proxy in front of moto
    // answers it as SES does and keeps each request, signed by the real SDK).
    const deadline = Date.now() + 20_000;
    const want = [[to.bounced, 'BOUNCE'], [to.complained, 'COMPLAINT']];
    const has = () => want.every(([a, r]) => sesProxy.suppressed.some((s) => s.address === a && s.reason === r && s.signed));
    while (!has() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(has(), JSON.stringify(sesProxy.suppressed));
    assert.equal(sesProxy.suppressed.filter((s) => s.address === to.delivered).length, 0, 'a delivered address is not suppressed');
  });

  test('transient bounces suppress only after SUPPRESS_AFTER_SOFT_BOUNCES within 7 days', async () => {
    const address = `full-${tag}@example.com`;
    const soft = () => sesEvent('Bounce', { sesMessageId: randomUUID(), messageId: `<${randomUUID()}@x>`, to: address }, {});
    const transient = (e: ReturnType<typeof soft>) => ({ ...e, bounce: { ...(e as unknown as { bounce: object }).bounce, bounceType: 'Transient', bounceSubType: 'MailboxFull' } });
    for (let i = 1; i <= 3; i++) {
      const res = await postSns(sns.notification(transient(soft())));
      const body = (await res.json()) as { suppressed: string[] };
      assert.deepEqual(body.suppressed, i < 3 ? [] : [address], `after ${i} soft bounces`);
    }
    const rows = await db.sql`SELECT reason FROM suppressions WHERE address = ${address}`;
    assert.deepEqual(rows.map((r) => r.reason), ['soft_bounce']);
  });

  test('/openapi.json describes the delivery routes', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, object> };
    for (const p of ['/events/ses', '/events', '/suppressions', '/suppressions/{address}', '/unsubscribe/{token}']) assert.ok(doc.paths[p], p);
  });

  test('search by recipient shows each email with its delivery state, and the suppression', async () => {
    const res = await app.request(`/events?recipient=${encodeURIComponent(to.bounced)}`);
    const body = (await res.json()) as { suppression: { reason: string }; emails: { message_id: string; delivery: { status: string } }[] };
    assert.equal(body.suppression.reason, 'bounce');
    assert.deepEqual(body.emails.map((e) => [e.message_id, e.delivery.status]), [[sent.bounced!.messageId, 'bounced']]);
    assert.equal((await app.request('/events?recipient=nope')).status, 400);
  });

  test('a reminder is found by its id, and its SES events by its Message-ID', async () => {
    const dueAt = new Date('2033-02-01T09:00:00.000Z');
    const [taskId] = await seedTasks(db.sql, [{ title: `R-${tag}`, dueAt: new Date(dueAt.getTime()), ownerEmail: `reminded-${tag}@example.com` }]);
    await w.client.workflow.execute('DueTaskSweepWorkflow', { taskQueue, workflowId: `sweep-${randomUUID()}`, args: [{ windowStart: new Date(dueAt.getTime() - 3_600_000).toISOString() }] });
    const id = `reminder-${taskId}-${dueAt.getTime()}`;
    const before = (await (await app.request(`/message/${id}`)).json()) as { state: string; to: string; message_id: string; delivery: { status: string } };
    assert.equal(before.state, 'sent');
    assert.equal(before.to, `reminded-${tag}@example.com`);
    assert.equal(before.delivery.status, 'unknown');
    const ses = (await sesSentMessages()).find((m) => m.raw_data.includes(`Message-ID: ${before.message_id}`));
    assert.ok(ses, 'the reminder went through SES with its Message-ID');
    assert.match(ses.raw_data, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
    const res = await postSns(sns.notification(sesEvent('Delivery', { sesMessageId: ses.id, messageId: before.message_id, to: before.to })));
    assert.equal(res.status, 200);
    const after = (await (await app.request(`/message/${id}`)).json()) as { delivery: { status: string } };
    assert.equal(after.delivery.status, 'delivered');
    assert.equal((await app.request(`/message/reminder-999999-1`)).status, 404);
    reminderMessageId = before.message_id;
  });

  test('metrics: events by type, suppressions by reason, bounce and complaint rates over 24 h', async () => {
    const text = await (await app.request('/metrics')).text();
    assert.match(text, /mailer_ses_events_total\{type="bounce"\} [1-9]/);
    assert.match(text, /mailer_ses_events_total\{type="complaint"\} 1/);
    assert.match(text, /mailer_suppressions_added_total\{reason="bounce"\} 1/);
    assert.match(text, /mailer_suppressions\{reason="complaint"\} 1/);
    const rate = (name: string) => Number(new RegExp(`^${name} ([0-9.e-]+)$`, 'm').exec(text)?.[1]);
    assert.ok(rate('mailer_bounce_rate_24h') > 0 && rate('mailer_bounce_rate_24h') < 1, text.slice(0, 200));
    assert.ok(rate('mailer_complaint_rate_24h') > 0);
  });

  test('the webhook receiver got every state change, signed, once per webhook-id, after refusing the first attempts', async () => {
    const want = [
      ...Object.values(sent).map((s) => ['email.sent', s.messageId]),
      ['email.delivered', sent.delivered!.messageId],
      ['email.bounced', sent.bounced!.messageId],
      ['email.complained', sent.complained!.messageId],
      // The sweep's batch sent the reminder (no workflow of its own): announced from the activity.
      ['email.sent', reminderMessageId],
      ['email.delivered', reminderMessageId],
    ];
    const deadline = Date.now() + 45_000;
    const got = () => hooks.accepted().map((r) => [r.body!.type, r.body!.data.message_id]);
    const missing = () => want.filter(([t, m]) => !got().some(([gt, gm]) => gt === t && gm === m));
    while (missing().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(missing(), [], `received: ${JSON.stringify(got())}`);
    assert.equal(hooks.badSignatures.length, 0);
    assert.ok(hooks.accepted().filter((r) => r.body!.type === 'email.suppressed').length >= 2, 'the suppressed emails were announced');
    for (const r of hooks.accepted()) assert.equal(r.attempts, 3, `${r.id}: refused twice, then accepted, never again`);
    assert.equal(hooks.acceptedPosts(), hooks.accepted().length, 'each webhook-id accepted exactly once');
  });
});
