import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { freePort, waitForPort } from '../../src/dev/ports.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { exited, spawnWorker } from '../support/processes.js';
import { testClient } from '../support/worker.js';

describe('worker /metrics: the Temporal runtime metrics plus emails sent and failed', () => {
  const sink = new MailCatcher();
  let t: Awaited<ReturnType<typeof testClient>>;
  before(async () => {
    await sink.start();
    t = await testClient();
  });
  after(async () => {
    await t?.close();
    await sink.stop();
  });

  test('a sent and a refused email show up by provider and reason', async () => {
    const metricsPort = await freePort();
    const taskQueue = `metrics-${randomUUID()}`;
    const worker = spawnWorker({ TEMPORAL_TASK_QUEUE: taskQueue, SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(sink.port), WORKER_METRICS_PORT: String(metricsPort) });
    try {
      await waitForPort(metricsPort, 60_000);
      const input = { to: 'metrics@example.com', subject: 'Metrics', text: 'x', enhance: false };
      await t.client.workflow.execute('SendEmailWorkflow', { taskQueue, workflowId: `message-${randomUUID()}`, args: [input] });
      sink.fault = () => ({ code: 550, message: 'no such user' });
      await assert.rejects(t.client.workflow.execute('SendEmailWorkflow', { taskQueue, workflowId: `message-${randomUUID()}`, args: [input] }));
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const lines = text.split('\n');
      const sent = lines.find((l) => l.startsWith('mailer_emails_sent') && l.includes('provider="smtp"') && l.includes('kind="SendEmailWorkflow"'));
      assert.ok(sent && Number(sent.split(' ').at(-1)) === 1, lines.filter((l) => l.startsWith('mailer_')).join('\n'));
      const failed = lines.find((l) => l.startsWith('mailer_emails_failed') && l.includes('reason="SmtpPermanent550"') && l.includes('permanent="true"'));
      assert.ok(failed && Number(failed.split(' ').at(-1)) === 1, lines.filter((l) => l.startsWith('mailer_')).join('\n'));
      assert.ok(lines.some((l) => l.startsWith('temporal_workflow_completed')), 'the runtime exports its own metrics');
    } finally {
      sink.fault = () => undefined;
      worker.kill('SIGTERM');
      await exited(worker);
    }
  });
});
