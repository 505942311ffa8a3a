import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp, postMessage } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { testClient } from '../support/worker.js';
import { assertApiError, assertQueued, detailFields } from './helpers.js';

const VALID = { destinataire: 'to@example.com', sujet: 'Bonjour', message: 'Hello' };
const DAY = 86_400_000;

describe('POST /message validation: sizes, nesting, unicode, send_at, Idempotency-Key', () => {
  let t: Awaited<ReturnType<typeof testClient>>;
  let app: ReturnType<typeof buildApp>;
  let small: ReturnType<typeof buildApp>;

  before(async () => {
    t = await testClient();
    app = buildApp(testConfig(), t.client);
    small = buildApp(testConfig({ MAX_BODY_BYTES: '2048' }), t.client);
  });
  after(async () => {
    await t?.close();
  });

  test('a 1 MB subject (under the 1 MiB default body limit) answers 400 naming sujet', async () => {
    const e = await assertApiError(await postMessage(app, { ...VALID, sujet: 'x'.repeat(1_000_000) }), 400, 'invalid_request', ['sujet']);
    assert.deepEqual(detailFields(e), ['sujet']);
    assert.ok(e.message.length < 2000, 'the error does not echo the input');
  });

  test('a 1 MB destinataire answers 400 naming destinataire, quickly', async () => {
    const started = Date.now();
    const e = await assertApiError(await postMessage(app, { ...VALID, destinataire: `a@${'a.'.repeat(500_000)}!` }), 400, 'invalid_request', ['destinataire']);
    assert.deepEqual(detailFields(e), ['destinataire']);
    assert.ok(Date.now() - started < 2000);
  });

  test('a body over MAX_BODY_BYTES answers 413 naming body; one just under it is accepted', async () => {
    const over = JSON.stringify({ ...VALID, message: 'x'.repeat(2100) });
    const e = await assertApiError(await postMessage(small, over), 413, 'payload_too_large', ['body']);
    assert.match(e.message, /2048/);
    const under = JSON.stringify({ ...VALID, message: 'x'.repeat(1900) });
    assert.ok(Buffer.byteLength(under) <= 2048);
    await assertQueued(await postMessage(small, under));
  });

  test('a body over the default 1 MiB limit answers 413', async () => {
    await assertApiError(await postMessage(app, { ...VALID, message: 'x'.repeat(1024 * 1024) }), 413, 'payload_too_large', ['body']);
  });

  test('10,000 levels of nested arrays in a field answer 400 naming that field, not 5xx', async () => {
    const raw = `{"destinataire":"to@example.com","sujet":${'['.repeat(10_000)}${']'.repeat(10_000)},"message":"m"}`;
    const e = await assertApiError(await postMessage(app, raw), 400, 'invalid_request', ['sujet']);
    assert.deepEqual(detailFields(e), ['sujet']);
  });

  test('400,000 levels of nesting, in a known and an unknown field, answer 4xx', async () => {
    const arrays = `{"destinataire":"to@example.com","sujet":"s","message":${'['.repeat(400_000)}${']'.repeat(400_000)}}`;
    const res = await postMessage(app, arrays);
    assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
    await assertApiError(res, res.status, res.status === 413 ? 'payload_too_large' : 'invalid_request');
    const objects = `{"destinataire":"to@example.com","sujet":"s","message":"m","x":${'{"a":'.repeat(150_000)}1${'}'.repeat(150_000)}}`;
    await assertApiError(await postMessage(app, objects), 400, 'invalid_request', ['x']);
  });

  test('unicode and emoji in sujet and message are accepted (202) and kept exactly', async () => {
    const sujet = 'Café — 日本語 🎉👩🏽‍💻 ñ';
    const message = 'Ünïcödé ✓\nSecond line 😀\n\tindented — «citation»';
    const body = await assertQueued(await postMessage(app, { destinataire: ' to@example.com ', sujet, message }));
    const d = await t.client.workflow.getHandle(body.workflow_id).describe();
    assert.equal(d.type, 'SendEmailWorkflow');
    assert.equal((d.memo as Record<string, string>).subject, sujet);
    assert.equal((d.memo as Record<string, string>).to, 'to@example.com');
  });

  test('send_at in the past, unparsable, impossible or without a zone answers 400 naming send_at', async () => {
    const bad: unknown[] = [
      '2020-01-01T09:00:00Z', new Date(Date.now() - 60_000).toISOString(), 'tomorrow', 'not a date', '',
      '2027-02-30T09:00:00Z', '2027-04-31T09:00:00Z', '2027-13-01T09:00:00Z', '2027-01-01T24:00:00Z',
      '2027-01-01T09:00:00', '2027-01-01', '01/02/2027 09:00', String(Date.now() + DAY), Date.now() + DAY,
      { date: '2027-01-01T09:00:00Z' }, ['2027-01-01T09:00:00Z'], true,
      new Date(Date.now() + 400 * DAY).toISOString(),
    ];
    for (const send_at of bad) {
      const e = await assertApiError(await postMessage(app, { ...VALID, send_at }), 400, 'invalid_request', ['send_at']);
      assert.deepEqual(detailFields(e), ['send_at'], JSON.stringify(send_at));
    }
  });

  test('a future send_at with a zone is accepted and normalised to UTC', async () => {
    const at = new Date(Date.now() + 2 * DAY);
    at.setUTCMilliseconds(0);
    const utc = await assertQueued(await postMessage(app, { ...VALID, send_at: at.toISOString() }));
    assert.equal(utc.send_at, at.toISOString());
    const plusTwo = await assertQueued(await postMessage(app, { ...VALID, send_at: at.toISOString().replace('.000Z', '+02:00') }));
    assert.equal(plusTwo.send_at, new Date(at.getTime() - 2 * 3_600_000).toISOString());
  });

  test('an Idempotency-Key with spaces, other characters or 300 characters answers 400 naming Idempotency-Key', async () => {
    for (const key of ['order 42', 'order/42', 'clé-42', 'a'.repeat(201), 'a'.repeat(300)]) {
      const e = await assertApiError(await postMessage(app, VALID, { 'Idempotency-Key': key }), 400, 'invalid_request', ['Idempotency-Key']);
      assert.deepEqual(detailFields(e), ['Idempotency-Key']);
    }
  });

  test('a 200-character Idempotency-Key is accepted and becomes the workflow id', async () => {
    const key = `k-${Date.now()}-${'x'.repeat(200)}`.slice(0, 200);
    const body = await assertQueued(await postMessage(app, VALID, { 'Idempotency-Key': key }));
    assert.equal(body.workflow_id, `message-${key}`);
    assert.equal(body.duplicate, false);
  });

  test('after the whole batch, GET / still answers 200', async () => {
    const res = await app.request('/');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', message: 'Mailing service is running' });
  });
});
