import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canConnect } from '../../src/dev/ports.js';
import { DevStack, npm, output, stackPorts } from '../support/dev-stack.js';
import { infra } from '../support/env.js';
import { FakeGemini } from '../support/gemini.js';
import { listenerOf, processesUsing } from '../support/leftovers.js';
import { launchBrowser, SCREENSHOTS } from './web-ui.js';

describe('npm run dev: the service started the way the README says', () => {
  const gemini = new FakeGemini();
  let env: Record<string, string>;
  let stack: DevStack;
  const api = () => stack.api;
  const startStack = () => stack.start();
  const stopStack = () => stack.stop();

  before(async () => {
    const dataDir = mkdtempSync(path.join(infra.workDir, 'e2e-'));
    chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as its own user when tests run as root
    gemini.replies = [{ text: '<h2>Hello</h2><p onmouseover="x()">Enhanced <script>steal()</script><a href="javascript:void(0)">x</a></p>' }];
    env = {
      DATA_DIR: dataDir,
      ...(await stackPorts()),
      GEMINI_API_KEY: 'e2e-key',
      GEMINI_BASE_URL: await gemini.start(),
      LOG_LEVEL: 'warn',
    };
    stack = new DevStack(env);
    await startStack();
  });
  after(async () => {
    await stack.stopAndReap();
    await gemini.stop();
  });

  const waitSent = (id: string) => stack.waitSent(id);
  const caught = () => stack.caught();

  test('the old payload is queued, sent, kept by the mail catcher, and completed in Temporal', async () => {
    assert.deepEqual(await (await fetch(`${api()}/`)).json(), { status: 'ok', message: 'Mailing service is running' });
    assert.ok(await canConnect(Number(env.TEMPORAL_UI_PORT)), 'the Temporal Web UI listens');
    const res = await fetch(`${api()}/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destinataire: 'a@example.com', sujet: 'Hi', message: 'Hello' }),
    });
    assert.equal(res.status, 202);
    const { workflow_id } = (await res.json()) as { workflow_id: string };
    const done = await waitSent(workflow_id);
    assert.equal(done.state, 'sent', JSON.stringify(done));
    const mail = (await caught()).find((m) => m.messageId === `<${workflow_id}@polplana.work>`);
    assert.ok(mail, 'the .eml file is in DATA_DIR/mail');
    assert.equal(mail.from?.text, 'noreply@polplana.work');
    assert.equal(mail.to && !Array.isArray(mail.to) ? mail.to.text : '', 'a@example.com');
    assert.equal(mail.subject, 'Hi');
    assert.equal(mail.text?.trim(), 'Hello');
    const listing = (await (await fetch(`http://127.0.0.1:${env.MAILCATCHER_HTTP_PORT}/api/messages`)).json()) as { subject: string }[];
    assert.ok(listing.some((m) => m.subject === 'Hi'), 'the mail catcher page lists it');
    const shown = await output(spawn(infra.temporalCli, ['workflow', 'show', '-w', workflow_id, '--address', env.TEMPORAL_ADDRESS!]));
    assert.match(shown.out, /Status\s+COMPLETED/);
  });

  test('enhance_content: Gemini HTML arrives sanitised, with the text part', async () => {
    const res = await fetch(`${api()}/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destinataire: 'b@example.com', sujet: 'Enhanced', message: 'Plain words', enhance_content: true }),
    });
    const { workflow_id } = (await res.json()) as { workflow_id: string };
    const done = await waitSent(workflow_id);
    assert.equal(done.state, 'sent', JSON.stringify(done));
    const mail = (await caught()).find((m) => m.subject === 'Enhanced')!;
    assert.equal(mail.to && !Array.isArray(mail.to) ? mail.to.text : '', 'b@example.com');
    assert.match(String(mail.html), /<h2>Hello<\/h2>/);
    assert.doesNotMatch(String(mail.html), /script|steal|onmouseover|javascript:/);
    assert.equal(mail.text?.trim(), 'Plain words');
  });

  test('demo data and one `temporal schedule trigger` bring the two due reminders to the mail catcher', async () => {
    const seeded = await output(npm(['seed', 'demo-owner@example.com'], env));
    assert.equal(seeded.code, 0, seeded.out);
    const trigger = await output(npm(['temporal', '--', 'schedule', 'trigger', '--schedule-id', 'due-task-sweep', '--address', env.TEMPORAL_ADDRESS!], env));
    assert.equal(trigger.code, 0, trigger.out);
    let reminders: Awaited<ReturnType<typeof caught>> = [];
    for (let i = 0; i < 300 && reminders.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 200));
      reminders = (await caught()).filter((m) => m.subject?.startsWith('Reminder:'));
    }
    assert.deepEqual(reminders.map((m) => m.subject!.match(/"(.*)"/)![1]).sort(), [
      'Book the room (due in 20 h: reminded)',
      'Write the report (due in 2 h: reminded)',
    ]);
  });

  test('the Temporal Web UI, in headless Chromium, shows the email completed, the due-task-sweep schedule and the sweeps', async () => {
    const sent = (await caught()).find((m) => m.subject === 'Hi')!;
    const id = sent.messageId!.replace(/^<(.*)@.*>$/, '$1');
    const ui = `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const described = await output(spawn(infra.temporalCli, ['workflow', 'describe', '-w', id, '--address', env.TEMPORAL_ADDRESS!, '-o', 'json']));
      const runId = (JSON.parse(described.out) as { workflowExecutionInfo: { execution: { runId: string } } }).workflowExecutionInfo.execution.runId;
      // The email's own workflow page, as an operator opens it from the list.
      await page.goto(`${ui}/namespaces/default/workflows/${id}/${runId}/history`);
      await page.getByRole('heading', { name: id }).first().waitFor({ timeout: 60_000 });
      await page.getByText('Completed', { exact: true }).first().waitFor({ timeout: 60_000 });
      await page.getByText('SendEmailWorkflow').first().waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-ui-email-workflow.png'), fullPage: true });
      await page.goto(`${ui}/namespaces/default/schedules`);
      await page.getByText('due-task-sweep').first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-ui-schedules.png'), fullPage: true });
      // The sweeps, as MailKind tags them: the triggered one and the run that sent its batches.
      await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent("MailKind='sweep'")}`);
      await page.getByText(/due-task-sweep-run-/).first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-ui-sweeps.png'), fullPage: true });
    } finally {
      await browser.close();
    }
    for (const f of ['web-ui-email-workflow.png', 'web-ui-schedules.png', 'web-ui-sweeps.png']) assert.ok(statSync(path.join(SCREENSHOTS, f)).size > 10_000, f);
  });

  test('Ctrl-C stops everything, and a restart keeps the data', async () => {
    const listing = (await (await fetch(`${api()}/message/message-does-not-exist`)).status);
    assert.equal(listing, 404);
    const before = (await caught()).find((m) => m.subject === 'Hi')!;
    const id = before.messageId!.replace(/^<(.*)@.*>$/, '$1');
    await stopStack();
    const ports = { PORT: env.PORT, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS!.split(':')[1], TEMPORAL_UI_PORT: env.TEMPORAL_UI_PORT, EMBEDDED_POSTGRES_PORT: env.EMBEDDED_POSTGRES_PORT, MAILCATCHER_SMTP_PORT: env.MAILCATCHER_SMTP_PORT };
    for (const [name, port] of Object.entries(ports)) {
      assert.equal(await canConnect(Number(port)), false, `${name} ${port} closed after Ctrl-C; listening: ${listenerOf(Number(port))}\nleft running: ${processesUsing(env.DATA_DIR!) || 'nothing'}`);
    }
    // When npm has exited, nothing the stack started still runs: a Temporal server still shutting down
    // holds its SQLite file and UI port, and the restart below failed on them (Ctrl-C arrives twice).
    assert.equal(processesUsing(env.DATA_DIR!), '', 'no process of the stack outlives npm run dev');
    await startStack();
    const again = (await (await fetch(`${api()}/message/${id}`)).json()) as Record<string, unknown>;
    assert.equal(again.state, 'sent', 'the email is still known after the restart');
  });
});
