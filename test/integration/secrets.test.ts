import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, waitForPort } from '../../src/dev/ports.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { infra } from '../support/env.js';
import { FakeGemini } from '../support/gemini.js';
import { SES_VARS, verifySesIdentity } from '../support/ses.js';
import { exited, spawnService } from '../support/processes.js';
import { testClient } from '../support/worker.js';

const SECRETS = {
  AWS_SECRET_ACCESS_KEY: 'aws-secret-4f1c9e2b7d',
  SMTP_PASSWORD: 'smtp-password-8a3d6b1e',
  GEMINI_API_KEY: 'gemini-key-2c7e9f4a1b',
  API_KEYS: 'api-key-5d8b3a6c2e',
};

describe('secrets never appear in logs, Gemini logs, workflow history or error responses', () => {
  const sink = new MailCatcher();
  const gemini = new FakeGemini();
  const logDir = path.join(infra.workDir, `secrets-gemini-${process.pid}`);
  const responses: string[] = [];
  let services: ReturnType<typeof spawnService>[] = [];
  let api = '';
  let taskQueue = '';

  before(async () => {
    await sink.start();
    await verifySesIdentity('secrets@ses.example');
    const port = await freePort();
    taskQueue = `secrets-${randomUUID()}`;
    const vars = {
      ...SES_VARS,
      ...SECRETS,
      MAIL_PROVIDER: 'smtp',
      MAIL_FALLBACK_PROVIDER: 'ses',
      SEND_PRIMARY_MAX_ATTEMPTS: '1',
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      SMTP_LOGIN: 'mailer-user',
      DEFAULT_FROM_EMAIL: 'secrets@ses.example',
      SENDER_EMAIL: 'secrets@ses.example',
      GEMINI_BASE_URL: await gemini.start(),
      GEMINI_LOG_DIR: logDir,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PORT: String(port),
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'debug',
    };
    services = [spawnService('worker', vars), spawnService('server', vars)];
    await waitForPort(port, 60_000);
    api = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    for (const s of services) s.child.kill('SIGTERM');
    await Promise.all(services.map((s) => exited(s.child)));
    await sink.stop();
    await gemini.stop();
  });

  async function call(pathname: string, init: RequestInit = {}) {
    const res = await fetch(`${api}${pathname}`, init);
    const text = await res.text();
    responses.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  }

  test('a full run: enhanced email over authenticated SMTP, one via the SES fallback, refused and failed requests', async () => {
    const auth = { authorization: `Bearer ${SECRETS.API_KEYS}`, 'content-type': 'application/json' };
    gemini.replies = [{ status: 500 }, { text: '<p>Enhanced</p>' }];
    const first = await call('/message', { method: 'POST', headers: auth, body: JSON.stringify({ destinataire: 'a@example.com', sujet: 'S1', message: 'x', enhance_content: true }) });
    assert.equal(first.status, 202);
    sink.fault = (s) => (s.envelope.rcptTo.some((r) => r.address === 'b@example.com') ? { code: 550, message: 'no' } : undefined);
    const second = await call('/message', { method: 'POST', headers: auth, body: JSON.stringify({ destinataire: 'b@example.com', sujet: 'S2', message: 'y' }) });
    for (const id of [first.json.workflow_id, second.json.workflow_id] as string[]) {
      let state = '';
      for (let i = 0; i < 150 && state !== 'sent'; i++) {
        state = String((await call(`/message/${id}`, { headers: auth })).json.state);
        if (state !== 'sent') await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(state, 'sent', id);
    }
    assert.deepEqual(sink.logins.slice(0, 1), ['mailer-user'], 'SMTP authenticated with the login');
    assert.equal((await call('/message', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 401);
    assert.equal((await call('/message', { method: 'POST', headers: { ...auth, authorization: `Bearer ${SECRETS.API_KEYS}x` }, body: '{}' })).status, 401);
    assert.equal((await call('/message', { method: 'POST', headers: auth, body: '{"destinataire":1}' })).status, 400);

    const { client, close } = await testClient();
    const histories: string[] = [];
    try {
      for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
        histories.push(JSON.stringify(await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()));
      }
    } finally {
      await close();
    }
    assert.ok(histories.length >= 2);
    const geminiLogs = readdirSync(logDir).map((f) => readFileSync(path.join(logDir, f), 'utf8'));
    assert.ok(geminiLogs.length >= 2, 'the retried exchange and the good one were logged');
    const places = { 'process logs': services.map((s) => s.output()).join('\n'), 'Gemini logs': geminiLogs.join('\n'), 'workflow histories': histories.join('\n'), 'API responses': responses.join('\n') };
    assert.ok(places['process logs'].length > 1000, 'debug logs were written');
    for (const [where, text] of Object.entries(places)) {
      for (const [name, secret] of Object.entries(SECRETS)) assert.ok(!text.includes(secret), `${name} found in ${where}`);
    }
  });
});
