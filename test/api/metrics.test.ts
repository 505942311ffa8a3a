import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { postMessage, useApp } from '../support/api.js';
import { testConfig } from '../support/env.js';

function value(text: string, metric: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{`) && labels.split(',').every((p) => l.includes(p)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('API /metrics (Prometheus)', () => {
  const config = testConfig({ TEMPORAL_REQUEST_TIMEOUT: '2s' });
  const api = useApp(config);

  test('counts requests by route and status, and emails accepted; the figures move when an email is sent', async () => {
    const before = await (await api.app.request('/metrics')).text();
    assert.match(before, /# TYPE mailer_http_requests_total counter/);
    assert.equal((await postMessage(api.app, { destinataire: 'm@example.com', sujet: 'M', message: 'x' })).status, 202);
    assert.equal((await postMessage(api.app, { destinataire: 'bad' })).status, 400);
    assert.equal((await api.app.request('/message/message-unknown-for-metrics')).status, 404);
    const afterText = await (await api.app.request('/metrics')).text();
    assert.equal(value(afterText, 'mailer_emails_accepted_total', 'duplicate="false"') - value(before, 'mailer_emails_accepted_total', 'duplicate="false"'), 1);
    assert.equal(value(afterText, 'mailer_http_requests_total', 'route="/message",status="202"'), value(before, 'mailer_http_requests_total', 'route="/message",status="202"') + 1);
    assert.ok(value(afterText, 'mailer_http_requests_total', 'route="/message",status="400"') >= 1);
    assert.ok(value(afterText, 'mailer_http_requests_total', 'route="/message/:id",status="404"') >= 1, afterText.split('\n').filter((l) => l.includes('requests_total')).join('\n'));
    assert.match(afterText, /mailer_http_request_duration_seconds_bucket/);
  });
});
