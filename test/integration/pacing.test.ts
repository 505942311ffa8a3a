import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { sendTaskQueue } from '../../src/shared.js';
import { testConfig } from '../support/env.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

describe('send pacing (SMTP_SEND_RATE / SES_SEND_RATE): a rate for the whole task queue, kept by the server', () => {
  const sink = new MailCatcher();
  let w: TestWorker;
  let taskQueue: string;
  before(async () => {
    const port = await sink.start();
    const config = testConfig({ SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(port), SMTP_SEND_RATE: '2' });
    taskQueue = config.temporal.taskQueue;
    w = await startTestWorker(config);
  });
  after(async () => {
    await w?.stop();
    await sink.stop();
  });

  test('ten emails at 2 per second are spread over several seconds, through the paced send queue', async () => {
    const ids = Array.from({ length: 10 }, () => `message-${randomUUID()}`);
    const input = { to: 'paced@example.com', subject: 'Paced', text: 'x', enhance: false };
    await Promise.all(ids.map((workflowId) => w.client.workflow.execute('SendEmailWorkflow', { taskQueue, workflowId, args: [input] })));
    const times = sink.messages.map((m) => Date.parse(m.receivedAt)).sort((a, b) => a - b);
    assert.equal(times.length, 10);
    // 10 sends at 2/s cannot all land within 3 s, whatever the machine's speed (a lower bound only).
    assert.ok(times.at(-1)! - times[0]! >= 3000, `spread ${times.at(-1)! - times[0]!} ms`);
    const history = await w.client.workflow.getHandle(ids[0]!).fetchHistory();
    const scheduled = history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendEmail');
    assert.equal(scheduled?.activityTaskScheduledEventAttributes?.taskQueue?.name, sendTaskQueue(taskQueue, 'smtp'));
  });
});
