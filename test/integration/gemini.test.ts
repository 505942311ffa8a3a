import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { buildApp, postMessage, waitForState } from '../support/api.js';
import { infra, testConfig } from '../support/env.js';
import { FakeGemini } from '../support/gemini.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

const API_KEY = 'gemini-secret-key-123';
const HOSTILE = `<h1>Hi</h1><script>alert(1)</script><p onclick="steal()">Body <a href="javascript:alert(1)">x</a>
<a href="https://example.com/?utm_source=mail&id=7">link</a><iframe src="https://evil"></iframe><form><input name=p></form>
<img src="https://tracker.example/pixel.gif?uid=1"><a href="data:text/html;base64,PHNjcmlwdD4=">d</a></p>`;

describe('Gemini enhancement through the real @google/genai SDK against a local fake server', () => {
  const sink = new MailCatcher();
  const gemini = new FakeGemini();
  const logDir = path.join(infra.workDir, `gemini-logs-${process.pid}`);
  let w: TestWorker;
  let app: ReturnType<typeof buildApp>;

  before(async () => {
    const port = await sink.start();
    const baseUrl = await gemini.start();
    const config = testConfig({
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(port),
      GEMINI_API_KEY: API_KEY,
      GEMINI_BASE_URL: baseUrl,
      GEMINI_LOG_DIR: logDir,
      GEMINI_TIMEOUT: '2s',
      GEMINI_MAX_ATTEMPTS: '3',
    });
    w = await startTestWorker(config);
    app = buildApp(config, w.client);
  });
  after(async () => {
    await w?.stop();
    await sink.stop();
    await gemini.stop();
  });

  async function send(subject: string) {
    const res = await postMessage(app, { destinataire: 'g@example.com', sujet: subject, message: 'Plain text body', enhance_content: true });
    const { workflow_id } = (await res.json()) as Record<string, string>;
    const status = await waitForState(app, workflow_id!, ['sent', 'failed'], 60_000);
    const [mail] = await sink.waitFor((m) => m.some((x) => x.subject === subject));
    return { status, mail: sink.messages.find((x) => x.subject === subject)!, id: workflow_id!, first: mail };
  }

  async function logsFor(id: string) {
    const files = (await readdir(logDir)).filter((f) => f.includes(id));
    return Promise.all(files.sort().map(async (f) => JSON.parse(await readFile(path.join(logDir, f), 'utf8')) as Record<string, unknown>));
  }

  test('hostile model output is sanitised before it is sent; the exchange is logged without the key', async () => {
    gemini.calls.length = 0;
    gemini.replies = [{ text: '```html\n' + HOSTILE + '\n```' }];
    const { status, mail, id } = await send('Hostile');
    assert.equal(status.state, 'sent');
    assert.deepEqual(status.enhancement, { used: 'gemini' });
    assert.equal(gemini.calls[0]!.apiKey, API_KEY, 'the SDK sent the key to the fake server');
    assert.match(gemini.calls[0]!.path, /generateContent/);
    const html = mail.html ?? '';
    assert.match(html, /<h1>Hi<\/h1>/);
    for (const bad of [/<script/i, /alert\(1\)/, /onclick/i, /javascript:/i, /<iframe/i, /<form/i, /<input/i, /<img/i, /tracker/, /data:text/, /utm_source/]) {
      assert.doesNotMatch(html, bad);
    }
    assert.match(html, /https:\/\/example.com\/\?id=7/);
    const logs = await logsFor(id);
    assert.equal(logs.length, 1);
    assert.equal(logs[0]!.outcome, 'ok');
    assert.equal(logs[0]!.model, 'gemini-2.5-flash');
    assert.equal(typeof logs[0]!.durationMs, 'number');
    assert.match(String(logs[0]!.prompt), /Plain text body/);
    assert.match(String(logs[0]!.response), /<h1>Hi<\/h1>/);
    const all = (await Promise.all((await readdir(logDir)).map((f) => readFile(path.join(logDir, f), 'utf8')))).join('\n');
    assert.doesNotMatch(all, new RegExp(API_KEY));
  });

  test('429 and 500 are retried with backoff, then the answer of Gemini is used; every attempt is logged', async () => {
    gemini.calls.length = 0;
    gemini.replies = [{ status: 429 }, { status: 500 }, { text: '<p>Third time</p>' }];
    const { status, mail, id } = await send('Retried');
    assert.deepEqual(status.enhancement, { used: 'gemini' });
    assert.equal(gemini.calls.length, 3);
    assert.match(mail.html ?? '', /Third time/);
    assert.deepEqual((await logsFor(id)).map((l) => l.outcome), ['retryable_error', 'retryable_error', 'ok']);
  });

  test('retries exhausted (503, garbage, timeout) fall back to the plain rendering and the email still goes out', async () => {
    gemini.calls.length = 0;
    gemini.replies = [{ status: 503 }, { garbage: '{not json' }, { hangMs: 5000 }];
    const { status, mail, id } = await send('Exhausted');
    assert.equal(status.state, 'sent');
    assert.equal((status.enhancement as { used: string }).used, 'fallback');
    assert.ok((status.enhancement as { reason: string }).reason);
    assert.equal(gemini.calls.length, 3);
    assert.match(mail.html ?? '', /<p>Plain text body<\/p>/);
    assert.equal((await logsFor(id)).length, 3);
  });

  test('400/403/404 are not retried: one call, then the fallback', async () => {
    for (const code of [400, 403, 404]) {
      gemini.calls.length = 0;
      gemini.replies = [{ status: code }];
      const { status, id } = await send(`Refused ${code}`);
      assert.equal(status.state, 'sent');
      assert.equal((status.enhancement as { used: string }).used, 'fallback');
      assert.match((status.enhancement as { reason: string }).reason, new RegExp(String(code)));
      assert.equal(gemini.calls.length, 1, `one call for ${code}`);
      assert.deepEqual((await logsFor(id)).map((l) => l.outcome), ['permanent_error']);
    }
  });
});

describe('without GEMINI_API_KEY', () => {
  test('enhance_content uses the plain rendering directly and says so', async () => {
    const sink = new MailCatcher();
    const port = await sink.start();
    const config = testConfig({ SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(port) });
    const w = await startTestWorker(config);
    try {
      const app = buildApp(config, w.client);
      const { workflow_id } = (await (await postMessage(app, { destinataire: 'n@example.com', sujet: 'No key', message: 'a\nb\n\n**bold** and <i>raw</i>\n\n- one\n- two', enhance_content: true })).json()) as Record<string, string>;
      const status = await waitForState(app, workflow_id!, ['sent']);
      assert.deepEqual(status.enhancement, { used: 'fallback', reason: 'GEMINI_API_KEY is not set' });
      const [mail] = await sink.waitFor((m) => m.length === 1);
      // The fallback reads the text as Markdown: bold and lists render, raw HTML stays text.
      assert.match(mail!.html ?? '', /<p>a<br \/>\s*b<\/p>/);
      assert.match(mail!.html ?? '', /<p><strong>bold<\/strong> and &lt;i&gt;raw&lt;\/i&gt;<\/p>/);
      assert.match(mail!.html ?? '', /<ul>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ul>/);
    } finally {
      await w.stop();
      await sink.stop();
    }
  });
});
