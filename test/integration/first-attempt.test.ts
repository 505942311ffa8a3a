// The single path's first attempt runs as a local activity only where the send ledger can catch a
// resend after a crash (a worker with DATABASE_URL); elsewhere the regular activity makes it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { temporal } from '@temporalio/proto';
import { createSql } from '../../src/db/client.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { buildApp, postMessage, waitForState } from '../support/api.js';
import { infra, testConfig } from '../support/env.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

type Event = temporal.api.history.v1.IHistoryEvent;

describe('the first send attempt: a local activity with the send ledger, the regular activity without', () => {
  const sink = new MailCatcher();
  let port = 0;
  before(async () => {
    port = await sink.start();
  });
  after(() => sink.stop());

  async function sendOne(vars: Record<string, string>): Promise<{ events: Event[]; messageId: string }> {
    const config = testConfig({ SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(port), SENDER_EMAIL: 'first@example.org', SWEEP_SCHEDULE_ON_START: 'false', ...vars });
    const w: TestWorker = await startTestWorker(config);
    try {
      const app = buildApp(config, w.client);
      const { workflow_id } = (await (await postMessage(app, { destinataire: 'to@example.com', sujet: 'First', message: 'x' })).json()) as { workflow_id: string };
      const done = await waitForState(app, workflow_id, ['sent', 'failed']);
      assert.equal(done.state, 'sent');
      const history = await w.client.workflow.getHandle(workflow_id).fetchHistory();
      return { events: history.events ?? [], messageId: String(done.message_id) };
    } finally {
      await w.stop();
    }
  }
  const activities = (events: Event[]) => events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);

  test('with DATABASE_URL: no activity task, and the send is in the ledger', async () => {
    const { events, messageId } = await sendOne({ DATABASE_URL: infra.databaseUrl });
    assert.deepEqual(activities(events), []);
    // The API vouched for the patch (knownPatches): the only marker is the local activity's.
    assert.deepEqual(
      events.filter((e) => e.markerRecordedEventAttributes).map((e) => e.markerRecordedEventAttributes!.markerName),
      ['core_local_activity'],
    );
    const sql = createSql(infra.databaseUrl, { max: 1 });
    try {
      const rows = await sql`SELECT provider FROM send_ledger WHERE message_id = ${messageId}`;
      assert.deepEqual(rows.map((r) => r.provider), ['smtp']);
    } finally {
      await sql.end();
    }
  });

  test('without a database: the regular sendEmail activity makes the attempt', async () => {
    const { events } = await sendOne({});
    assert.deepEqual(activities(events), ['sendEmail']);
  });
});
