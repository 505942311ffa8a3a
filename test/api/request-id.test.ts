import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp, postMessage } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { testClient } from '../support/worker.js';
import { assertApiError } from './helpers.js';

const VALID = { destinataire: 'to@example.com', sujet: 'Request ids', message: 'Hello' };
const ORIGIN = 'https://app.example';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids: x-request-id on every response, the same id in error bodies', () => {
  let t: Awaited<ReturnType<typeof testClient>>;
  let app: ReturnType<typeof buildApp>;

  before(async () => {
    t = await testClient();
    app = buildApp(testConfig(), t.client);
  });
  after(async () => {
    await t?.close();
  });

  test('every response carries x-request-id; error bodies carry the same requestId', async () => {
    const responses = [
      await app.request('/'),
      await app.request('/health/live'),
      await app.request('/message', { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST' } }),
      await postMessage(app, VALID),
      await postMessage(app, '{'),
      await postMessage(app, VALID, { 'content-type': 'text/plain' }),
      await app.request('/nowhere'),
      await app.request('/message/%3C%3E'),
    ];
    const ids = new Set<string>();
    for (const res of responses) {
      const rid = res.headers.get('x-request-id');
      assert.match(rid ?? '', UUID, `${res.status} has x-request-id`);
      ids.add(rid!);
      if (res.status >= 400) assert.equal(((await res.json()) as { error: { requestId: string } }).error.requestId, rid);
    }
    assert.equal(ids.size, responses.length, 'one id per request');
  });

  test('a valid client X-Request-Id is echoed in the header and the error body; an unsafe one is replaced', async () => {
    const mine = await postMessage(app, '{', { 'X-Request-Id': 'client-trace-42' });
    assert.equal(mine.headers.get('x-request-id'), 'client-trace-42');
    assert.equal((await assertApiError(mine, 400, 'invalid_request', ['body'])).requestId, 'client-trace-42');
    for (const unsafe of ['has spaces in it', '<script>', 'x'.repeat(300)]) {
      const res = await app.request('/', { headers: { 'X-Request-Id': unsafe } });
      assert.match(res.headers.get('x-request-id') ?? '', UUID);
    }
  });
});
