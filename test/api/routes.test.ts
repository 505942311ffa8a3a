import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { postMessage, useApp } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { assertApiError, assertQueued } from './helpers.js';

const VALID = { destinataire: 'to@example.com', sujet: 'Routes', message: 'Hello' };
const ORIGIN = 'https://app.example';

describe('API routes and CORS (real api.app, real Temporal, no worker)', () => {
  // No worker: the status query waits for one until this deadline, then answers from the memo.
  const config = testConfig({ TEMPORAL_REQUEST_TIMEOUT: '2s' });
  const api = useApp(config);

  test('GET / answers exactly the old Flask body', async () => {
    const res = await api.app.request('/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(await res.text(), '{"status":"ok","message":"Mailing service is running"}');
  });

  test('CORS: a request with an Origin gets access-control-allow-origin, errors included', async () => {
    const ok = await api.app.request('/', { headers: { Origin: ORIGIN } });
    assert.equal(ok.status, 200);
    assert.ok(['*', ORIGIN].includes(ok.headers.get('access-control-allow-origin') ?? ''));
    const bad = await postMessage(api.app, {}, { Origin: ORIGIN });
    assert.equal(bad.status, 400);
    assert.ok(['*', ORIGIN].includes(bad.headers.get('access-control-allow-origin') ?? ''), 'a browser can read the 400');
    const missing = await api.app.request('/nope', { headers: { Origin: ORIGIN } });
    assert.equal(missing.status, 404);
    assert.ok(['*', ORIGIN].includes(missing.headers.get('access-control-allow-origin') ?? ''));
  });

  test('CORS: an OPTIONS preflight answers 204 with allow-methods and the requested headers', async () => {
    const res = await api.app.request('/message', {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, idempotency-key' },
    });
    assert.equal(res.status, 204);
    const methods = (res.headers.get('access-control-allow-methods') ?? '').split(',').map((m) => m.trim());
    for (const m of ['GET', 'POST', 'DELETE']) assert.ok(methods.includes(m), `allow-methods has ${m}: ${methods}`);
    assert.ok(['*', ORIGIN].includes(res.headers.get('access-control-allow-origin') ?? ''));
    const headers = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    assert.match(headers, /content-type/);
    assert.match(headers, /idempotency-key/);
    assert.equal(await res.text(), '');
  });

  test('an unknown route answers 404 in the error shape', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/letters'], ['GET', '/message'], ['PUT', '/message/abc']] as const) {
      const e = await assertApiError(await api.app.request(path, { method }), 404, 'not_found');
      assert.ok(e.message.includes(path), e.message);
    }
  });

  test('GET and DELETE /message/<id with bad characters> answer 404, and so does an unknown id', async () => {
    for (const id of ['%3Cscript%3E', 'a%20b', '..%2F..%2Fetc%2Fpasswd', '%C3%A9t%C3%A9', 'x'.repeat(256), '%00']) {
      await assertApiError(await api.app.request(`/message/${id}`), 404, 'not_found');
      await assertApiError(await api.app.request(`/message/${id}`, { method: 'DELETE' }), 404, 'not_found');
    }
    const e = await assertApiError(await api.app.request('/message/message-does-not-exist'), 404, 'not_found');
    assert.match(e.message, /message-does-not-exist/);
  });

  test('GET /health/live answers 200; GET /health/ready answers 200 with the real server', async () => {
    const live = await api.app.request('/health/live');
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), { status: 'ok' });
    const ready = await api.app.request('/health/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ok', temporal: 'reachable' });
  });

  test('a 202 answer is queued, in French, with task_id === workflow_id and a status_url that answers', async () => {
    const res = await postMessage(api.app, VALID);
    const body = await assertQueued(res);
    assert.deepEqual(Object.keys(body).sort(), ['duplicate', 'message', 'send_at', 'status', 'status_url', 'task_id', 'workflow_id']);
    assert.equal(body.message, "La demande d'envoi d'email a été mise en file d'attente.");
    assert.equal(body.task_id, body.workflow_id);
    assert.equal(body.duplicate, false);
    assert.equal(body.send_at, null);
    assert.equal(body.status_url, `/message/${body.workflow_id}`);

    const d = await api.client.workflow.getHandle(body.workflow_id).describe();
    assert.equal(d.type, 'SendEmailWorkflow');
    assert.equal(d.taskQueue, config.temporal.taskQueue);
    assert.equal(d.status.name, 'RUNNING');

    const status = await api.app.request(body.status_url);
    assert.equal(status.status, 200);
    const s = (await status.json()) as Record<string, unknown>;
    assert.equal(s.id, body.workflow_id);
    assert.equal(s.state, 'queued');
    assert.equal(s.to, VALID.destinataire);
    assert.equal(s.subject, VALID.sujet);
  });

  test('the status_url of an Idempotency-Key with : and ~ is percent-encoded and answers 200', async () => {
    const key = `order:${Date.now()}~a.b_c-d`;
    const body = await assertQueued(await postMessage(api.app, VALID, { 'Idempotency-Key': key }));
    assert.equal(body.workflow_id, `message-${key}`);
    assert.equal(body.status_url, `/message/${encodeURIComponent(`message-${key}`)}`);
    const status = await api.app.request(body.status_url);
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { id: string }).id, `message-${key}`);
  });

  test('two POSTs without Idempotency-Key start two different workflows', async () => {
    const a = await assertQueued(await postMessage(api.app, VALID));
    const b = await assertQueued(await postMessage(api.app, VALID));
    assert.notEqual(a.workflow_id, b.workflow_id);
  });
});
