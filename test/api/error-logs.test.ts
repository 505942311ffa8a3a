// What the API logs when a request fails: the route's pattern, never the raw path, which can carry an
// unsubscribe token (a bearer capability) or a recipient's address.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { freePort } from '../../src/dev/ports.js';
import { buildApp } from '../support/api.js';
import { testConfig } from '../support/env.js';

describe('error log lines name the route, not the path', () => {
  const lines: Record<string, unknown>[] = [];
  let down: Client;
  let app: ReturnType<typeof buildApp>;

  before(async () => {
    // A Temporal nobody listens on: the status lookup fails as "unavailable" (503, logged).
    down = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    app = buildApp(testConfig({ TEMPORAL_REQUEST_TIMEOUT: '1s' }), down, { logger: pino({ level: 'info' }, stream) });
  });
  after(async () => {
    await down?.connection.close();
  });

  test('a 503 is logged with the route pattern, not the raw path', async () => {
    const id = 'message-private-key-7f3a9c';
    const res = await app.request(`/message/${id}`);
    assert.equal(res.status, 503);
    const warned = lines.filter((l) => l.msg === 'temporal unavailable');
    assert.equal(warned.length, 1, JSON.stringify(lines));
    assert.equal(warned[0]!.route, '/message/:id');
    assert.equal(warned[0]!.method, 'GET');
    assert.doesNotMatch(JSON.stringify(warned[0]), /private-key-7f3a9c/);
    // The access line names the email by its id on purpose (workflowId), and the route by its pattern too.
    const access = lines.find((l) => l.msg === 'request')!;
    assert.equal(access.route, '/message/:id');
    assert.equal(access.workflowId, id);
  });
});
