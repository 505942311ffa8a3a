import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Connection } from '@temporalio/client';
import { freePort } from '../../src/dev/ports.js';
import { startTemporalDevServer, type DevServer } from '../../src/dev/temporal-server.js';
import { createLazyClient } from '../../src/temporal.js';
import { buildApp, postMessage } from '../support/api.js';
import { infra, testConfig } from '../support/env.js';
import { assertApiError, assertQueued } from './helpers.js';

const VALID = { destinataire: 'to@example.com', sujet: 'Down', message: 'Temporal is down' };

async function timed(p: Response | Promise<Response>): Promise<{ res: Response; ms: number }> {
  const started = Date.now();
  const res = await p;
  return { res, ms: Date.now() - started };
}

async function assertUnavailable(res: Response) {
  const e = await assertApiError(res, 503, 'temporal_unavailable');
  assert.match(e.message, /Temporal/);
  assert.match(e.message, /unreachable|unavailable/i);
  assert.equal(e.details, undefined);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0, `Retry-After: ${res.headers.get('retry-after')}`);
}

describe('Temporal unreachable: 503 fast, then the same app recovers by itself', () => {
  let port: number;
  let connection: Connection;
  let app: ReturnType<typeof buildApp>;
  let server: DevServer | undefined;

  before(async () => {
    port = await freePort();
    const config = testConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_REQUEST_TIMEOUT: '2s' });
    const lazy = createLazyClient(config);
    connection = lazy.connection;
    app = buildApp(config, lazy.client);
  });
  after(async () => {
    await connection?.close();
    await server?.stop();
  });

  test('POST /message answers 503 temporal_unavailable with Retry-After, within 10 s', async () => {
    const { res, ms } = await timed(postMessage(app, VALID));
    await assertUnavailable(res);
    assert.ok(ms < 10_000, `answered in ${ms} ms`);
  });

  test('GET and DELETE /message/x answer 503, within 10 s', async () => {
    for (const method of ['GET', 'DELETE']) {
      const { res, ms } = await timed(app.request('/message/message-x', { method }));
      await assertUnavailable(res);
      assert.ok(ms < 10_000, `${method} answered in ${ms} ms`);
    }
  });

  test('validation still comes first: a bad request answers 400, not 503', async () => {
    await assertApiError(await postMessage(app, { ...VALID, destinataire: 'nope' }), 400, 'invalid_request', ['destinataire']);
  });

  test('GET /health/ready answers 503; GET / and /health/live still answer 200', async () => {
    const { res: ready, ms } = await timed(app.request('/health/ready'));
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'unavailable', temporal: 'unreachable' });
    assert.ok(ms < 10_000);
    const root = await app.request('/');
    assert.equal(root.status, 200);
    assert.deepEqual(await root.json(), { status: 'ok', message: 'Mailing service is running' });
    assert.equal((await app.request('/health/live')).status, 200);
  });

  test('once a Temporal server listens on that port, the SAME app answers 202 (never 500 on the way)', async () => {
    server = await startTemporalDevServer({ bin: infra.temporalCli, port, headless: true });
    const seen: number[] = [];
    const deadline = Date.now() + 120_000;
    let res: Response;
    for (;;) {
      res = await postMessage(app, VALID);
      seen.push(res.status);
      if (res.status === 202 || Date.now() > deadline) break;
      await assertUnavailable(res);
      await new Promise((r) => setTimeout(r, 500));
    }
    const body = await assertQueued(res);
    assert.ok(seen.slice(0, -1).every((s) => s === 503), `statuses on the way: ${seen.join(',')}`);

    const ready = await app.request('/health/ready');
    assert.equal(ready.status, 200);
    const status = await app.request(body.status_url);
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { state: string }).state, 'queued');
  });

  test('when that server goes away again, the same app answers 503 again, within 10 s', async () => {
    await server!.stop();
    const { res, ms } = await timed(postMessage(app, VALID));
    await assertUnavailable(res);
    assert.ok(ms < 10_000, `answered in ${ms} ms`);
    assert.equal((await app.request('/health/ready')).status, 503);
  });
});

describe('Temporal accepts TCP but never answers: the request still does not hang', () => {
  const sockets = new Set<Socket>();
  let silent: Server;
  let connection: Connection;
  let app: ReturnType<typeof buildApp>;

  before(async () => {
    silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    const config = testConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_REQUEST_TIMEOUT: '2s' });
    const lazy = createLazyClient(config);
    connection = lazy.connection;
    app = buildApp(config, lazy.client);
  });
  after(async () => {
    await connection?.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  test('POST /message and GET /health/ready answer 503 within 10 s', async () => {
    const { res, ms } = await timed(postMessage(app, VALID));
    await assertUnavailable(res);
    assert.ok(ms < 10_000, `answered in ${ms} ms`);
    const ready = await timed(app.request('/health/ready'));
    assert.equal(ready.res.status, 503);
    assert.ok(ready.ms < 10_000, `ready answered in ${ready.ms} ms`);
  });
});
