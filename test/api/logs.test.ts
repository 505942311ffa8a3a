import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { createApp } from '../../src/api/app.js';
import { createEmailGateway } from '../../src/api/emails.js';
import { postMessage } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { testClient } from '../support/worker.js';

describe('API logs: structured JSON, one line per request with its request id and workflow id', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const config = testConfig({ TEMPORAL_REQUEST_TIMEOUT: '2s' });
  let t: Awaited<ReturnType<typeof testClient>>;
  let app: ReturnType<typeof createApp>;
  before(async () => {
    t = await testClient();
    app = createApp({
      emails: createEmailGateway(t.client, config.temporal.taskQueue, 2000),
      checkTemporal: async () => {},
      logger: pino({ level: 'info' }, sink),
      maxBodyBytes: config.http.maxBodyBytes,
    });
  });
  after(async () => t?.close());

  test('POST and GET lines carry the x-request-id and the workflow id; nothing secret is logged', async () => {
    const res = await postMessage(app, { destinataire: 'log@example.com', sujet: 'Log', message: 'x' }, { authorization: 'Bearer secret-token-123' });
    const { workflow_id } = (await res.json()) as { workflow_id: string };
    const get = await app.request(`/message/${workflow_id}`);
    await new Promise((r) => setImmediate(r));
    const post = lines.find((l) => l.method === 'POST' && l.requestId === res.headers.get('x-request-id'));
    assert.ok(post, JSON.stringify(lines));
    assert.equal(post.workflowId, workflow_id);
    assert.equal(post.status, 202);
    assert.equal(post.route, '/message');
    const read = lines.find((l) => l.method === 'GET' && l.requestId === get.headers.get('x-request-id'));
    assert.equal(read?.workflowId, workflow_id);
    assert.doesNotMatch(JSON.stringify(lines), /secret-token-123/);
  });
});
