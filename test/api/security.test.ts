import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import { rateLimit, recipientAllowed } from '../../src/api/security.js';
import { buildApp, postMessage } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { testClient } from '../support/worker.js';

const payload = { destinataire: 'ok@allowed.example', sujet: 'S', message: 'x' };

describe('API keys, rate limit and recipient allowlist', () => {
  let t: Awaited<ReturnType<typeof testClient>>;
  before(async () => {
    t = await testClient();
  });
  after(async () => t?.close());

  test('with API_KEYS set, every route but /, health, /openapi.json and /docs needs a valid Bearer key (401 otherwise)', async () => {
    const app = buildApp(testConfig({ API_KEYS: 'key-one, key-two', TEMPORAL_REQUEST_TIMEOUT: '2s' }), t.client);
    for (const path of ['/', '/health/live', '/openapi.json', '/docs']) assert.equal((await app.request(path)).status, 200, path);
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: 'key-one' }, { authorization: 'Bearer ' }];
    for (const headers of attempts) {
      const res = await postMessage(app, payload, headers);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'unauthorized');
      assert.match(body.error.message, /Authorization: Bearer/);
      assert.doesNotMatch(JSON.stringify(body), /key-one|key-two/);
    }
    assert.equal((await app.request('/metrics')).status, 401);
    assert.equal((await app.request('/message/message-x')).status, 401);
    assert.equal((await postMessage(app, payload, { authorization: 'Bearer key-two' })).status, 202);
    assert.equal((await app.request('/metrics', { headers: { authorization: 'Bearer key-one' } })).status, 200);
  });

  test('RATE_LIMIT_PER_MINUTE: 429 with Retry-After past the limit, counted per key', async () => {
    const app = buildApp(testConfig({ API_KEYS: 'a-key,b-key', RATE_LIMIT_PER_MINUTE: '3', TEMPORAL_REQUEST_TIMEOUT: '2s' }), t.client);
    const a = { authorization: 'Bearer a-key' };
    for (let i = 0; i < 3; i++) assert.equal((await postMessage(app, payload, a)).status, 202);
    const limited = await postMessage(app, payload, a);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'rate_limited');
    assert.equal((await postMessage(app, payload, { authorization: 'Bearer b-key' })).status, 202, 'another key has its own budget');
    assert.equal((await app.request('/')).status, 200, 'health is never limited');
  });

  test('the bucket refills with time', async () => {
    let now = 0;
    const app = new Hono().use('*', rateLimit(60, () => now)).get('/x', (c) => c.text('ok'));
    app.onError((err, c) => c.text(err.message, 429));
    for (let i = 0; i < 60; i++) assert.equal((await app.request('/x')).status, 200);
    assert.equal((await app.request('/x')).status, 429);
    now += 1_000;
    assert.equal((await app.request('/x')).status, 200, 'one request per second comes back');
    assert.equal((await app.request('/x')).status, 429);
  });

  test('RECIPIENT_ALLOWLIST: anyone else is refused with 403 naming destinataire (no open relay)', async () => {
    const app = buildApp(testConfig({ RECIPIENT_ALLOWLIST: 'allowed.example, boss@corp.example', TEMPORAL_REQUEST_TIMEOUT: '2s' }), t.client);
    assert.equal((await postMessage(app, payload)).status, 202);
    assert.equal((await postMessage(app, { ...payload, destinataire: 'x@sub.allowed.example' })).status, 202);
    assert.equal((await postMessage(app, { ...payload, destinataire: 'Boss@Corp.example' })).status, 202);
    for (const to of ['x@evil.example', 'other@corp.example', 'x@notallowed.example']) {
      const res = await postMessage(app, { ...payload, destinataire: to });
      assert.equal(res.status, 403, to);
      const body = (await res.json()) as { error: { code: string; details: { field: string }[] } };
      assert.equal(body.error.code, 'recipient_not_allowed');
      assert.equal(body.error.details[0]!.field, 'destinataire');
    }
    assert.equal(recipientAllowed('a@b.c', []), true, 'no allowlist: anyone');
  });
});
