import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { postMessage, waitForState, useApp } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { startTestWorker } from '../support/worker.js';
import { assertQueued, type ErrorBody } from './helpers.js';

/**
 * With no worker polling, the cancel update cannot be accepted before the deadline and
 * executeUpdate throws WorkflowUpdateRPCTimeoutOrCancelledError, whose message varies
 * ("context deadline exceeded", "Deadline exceeded after 2s", "Call cancelled",
 * "stream terminated by RST_STREAM with error code: CANCEL"). Temporal itself is reachable.
 */
describe('DELETE /message/:id of a queued email while no worker polls (Temporal reachable)', () => {
  const config = testConfig({ TEMPORAL_REQUEST_TIMEOUT: '2s' });
  const api = useApp(config);

  test('DELETE of a queued email while no worker polls never answers 500 nor claims Temporal is unreachable', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const queued = await assertQueued(await postMessage(api.app, { destinataire: 'to@example.com', sujet: `Cancel ${i}`, message: 'x' }));
      const status = await api.app.request(queued.status_url);
      assert.equal(((await status.json()) as { state: string }).state, 'queued');
      const res = await api.app.request(queued.status_url, { method: 'DELETE' });
      const text = await res.text();
      const code = res.status >= 400 ? (JSON.parse(text) as ErrorBody).error.code : 'ok';
      answers.push(`${res.status} ${code}`);
    }
    const ready = await api.app.request('/health/ready');
    assert.equal(ready.status, 200, 'Temporal is reachable');
    assert.ok(!answers.some((a) => a.startsWith('500')), `DELETE answered: ${answers.join('; ')}`);
    assert.ok(!answers.some((a) => a.endsWith('temporal_unavailable')), `DELETE answered: ${answers.join('; ')}`);
  });

  test('with no worker yet, an email with send_at reads as scheduled (from what the server knows)', async () => {
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const queued = await assertQueued(await postMessage(api.app, { destinataire: 'to@example.com', sujet: 'Later', message: 'x', send_at: sendAt }));
    const body = (await (await api.app.request(queued.status_url)).json()) as { state: string; send_at: string };
    assert.equal(body.state, 'scheduled');
    assert.equal(body.send_at, sendAt);
  });

  test('the cancellation is accepted as requested (202), and applies once a worker picks the email up: nothing is sent', async () => {
    const queued = await assertQueued(await postMessage(api.app, { destinataire: 'later@example.com', sujet: 'Cancel then worker', message: 'x' }));
    const res = await api.app.request(queued.status_url, { method: 'DELETE' });
    assert.equal(res.status, 202);
    assert.equal(((await res.json()) as { cancellation: string }).cancellation, 'requested');
    const sink = new MailCatcher();
    const port = await sink.start();
    const w = await startTestWorker({ ...config, smtp: { ...config.smtp, host: '127.0.0.1', port } });
    try {
      const done = await waitForState(api.app, queued.workflow_id, ['cancelled', 'sent', 'failed']);
      assert.equal(done.state, 'cancelled');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(sink.messages.length, 0);
    } finally {
      await w.stop();
      await sink.stop();
    }
  });
});
