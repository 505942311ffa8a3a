import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildDeliveryDeps } from '../../src/api/delivery-deps.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import type { SweepSummary } from '../../src/shared.js';
import { buildApp, postMessage, waitForState } from '../support/api.js';
import { createTestDatabase, seedTasks } from '../support/db.js';
import { testConfig } from '../support/env.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

const HOUR = 3_600_000;

describe('the suppression list in every send path (SMTP sink, real sweep)', () => {
  const sink = new MailCatcher();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let w: TestWorker;
  let app: ReturnType<typeof buildApp>;
  let taskQueue: string;
  const tag = randomUUID().slice(0, 8);
  const unknown = `nobody-${tag}@example.com`;

  before(async () => {
    db = await createTestDatabase();
    const port = await sink.start();
    // The sink refuses one recipient the way a receiving server refuses an unknown mailbox.
    sink.fault = (session) =>
      session.envelope.rcptTo.some((r) => r.address === unknown) ? { code: 550, message: `5.1.1 <${unknown}>: Recipient address rejected: User unknown` } : undefined;
    const config = testConfig({
      DATABASE_URL: db.url,
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(port),
      SWEEP_SCHEDULE_ON_START: 'false',
      PUBLIC_BASE_URL: 'https://mailer.example.com',
      UNSUBSCRIBE_SECRET: randomBytes(32).toString('hex'),
    });
    taskQueue = config.temporal.taskQueue;
    w = await startTestWorker(config);
    app = buildApp(config, w.client, { delivery: buildDeliveryDeps(config, db.sql, w.client) });
  });
  after(async () => {
    await w?.stop();
    await sink.stop();
    await db?.drop();
  });

  test('an SMTP 550 5.1.1 suppresses the recipient: the next email is `suppressed` and never reaches the server', async () => {
    const first = (await (await postMessage(app, { destinataire: unknown, sujet: 'First', message: 'x' })).json()) as { workflow_id: string };
    const failed = await waitForState(app, first.workflow_id, ['sent', 'failed', 'suppressed']);
    assert.equal(failed.state, 'failed');
    const list = (await (await app.request('/suppressions?reason=smtp_rejected')).json()) as { items: { address: string; source: string; detail: string }[] };
    assert.deepEqual(list.items.map((i) => [i.address, i.source]), [[unknown, 'smtp']]);
    assert.match(list.items[0]!.detail, /5\.1\.1/);
    const caughtBefore = sink.messages.length;
    const second = (await (await postMessage(app, { destinataire: unknown, sujet: 'Second', message: 'x' })).json()) as { workflow_id: string };
    const s = await waitForState(app, second.workflow_id, ['sent', 'failed', 'suppressed']);
    assert.equal(s.state, 'suppressed');
    assert.deepEqual(s.suppression, { reason: 'smtp_rejected', since: s.suppression && (s.suppression as { since: string }).since });
    assert.equal(sink.messages.length, caughtBefore);
  });

  test('PUT and DELETE /suppressions/:address: a manual entry stops sends, its removal lets them through', async () => {
    const address = `manual-${tag}@example.com`;
    const put = await app.request(`/suppressions/${encodeURIComponent(address)}`, { method: 'PUT', body: JSON.stringify({ reason: 'manual', detail: 'asked by phone' }) });
    assert.equal(put.status, 201);
    assert.equal((await app.request(`/suppressions/${encodeURIComponent(address)}`, { method: 'PUT' })).status, 200, 'idempotent');
    const bad = await app.request('/suppressions/not-an-address', { method: 'PUT' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { details: { field: string }[] } }).error.details[0]!.field, 'address');
    const blocked = (await (await postMessage(app, { destinataire: address, sujet: 'Blocked', message: 'x' })).json()) as { workflow_id: string };
    assert.equal((await waitForState(app, blocked.workflow_id, ['sent', 'failed', 'suppressed'])).state, 'suppressed');
    assert.equal((await app.request(`/suppressions/${encodeURIComponent(address)}`, { method: 'DELETE' })).status, 200);
    assert.equal((await app.request(`/suppressions/${encodeURIComponent(address)}`, { method: 'DELETE' })).status, 404);
    const through = (await (await postMessage(app, { destinataire: address, sujet: 'Through', message: 'x' })).json()) as { workflow_id: string };
    assert.equal((await waitForState(app, through.workflow_id, ['sent', 'failed', 'suppressed'])).state, 'sent');
  });

  test('GET /suppressions pages with a cursor', async () => {
    for (let i = 0; i < 3; i++) await app.request(`/suppressions/page-${i}-${tag}%40example.com`, { method: 'PUT' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = (await (await app.request(`/suppressions?reason=manual&limit=2${q}`)).json()) as { items: { address: string }[]; next_cursor: string | null };
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((i) => i.address));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen.filter((a) => a.startsWith('page-')), [0, 1, 2].map((i) => `page-${i}-${tag}@example.com`));
  });

  test('reminders carry one-click unsubscribe; an unsubscribed owner gets none, and the task is marked so no sweep retries it', async () => {
    const T = new Date('2032-05-01T08:00:00.000Z');
    const kept = `kept-${tag}@example.com`;
    const leaving = `leaving-${tag}@example.com`;
    const [keptTask, leavingTask] = await seedTasks(db.sql, [
      { title: `U-kept-${tag}`, dueAt: new Date(T.getTime() + HOUR), ownerEmail: kept },
      { title: `U-leaving-${tag}`, dueAt: new Date(T.getTime() + 2 * HOUR), ownerEmail: leaving },
    ]);
    // The leaving owner unsubscribes through the link of an earlier reminder: sign one the same way.
    const { unsubscribeToken } = await import('../../src/unsubscribe/token.js');
    const secretOf = (w.deps.unsubscribe as { secret: string }).secret;
    const res = await app.request(`/unsubscribe/${unsubscribeToken(secretOf, leaving)}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    assert.equal(res.status, 200);

    const run = () => w.client.workflow.execute('DueTaskSweepWorkflow', { taskQueue, workflowId: `sweep-${randomUUID()}`, args: [{ windowStart: T.toISOString() }] }) as Promise<SweepSummary>;
    const summary = await run();
    assert.equal(summary.sent, 1);
    const mails = sink.messages.filter((m) => m.subject?.includes(tag));
    assert.deepEqual(mails.map((m) => m.to), [kept]);
    const raw = mails[0]!.raw.toString('utf8');
    const link = /List-Unsubscribe:\s*<(https:\/\/mailer\.example\.com\/unsubscribe\/[^>]+)>/.exec(raw.replace(/\r?\n\s+/g, ''))?.[1];
    assert.ok(link, `List-Unsubscribe names an https link: ${raw.slice(0, 1500)}`);
    assert.match(raw, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
    const rows = await db.sql`SELECT id, notification_sent FROM tasks WHERE id = ANY(${[keptTask!, leavingTask!]}::bigint[]) ORDER BY id`;
    assert.deepEqual(rows.map((r) => r.notification_sent), [true, true], 'the suppressed reminder is marked too');
    const again = await run();
    assert.equal(again.found, 0, 'a later sweep picks neither task');
    assert.equal(sink.messages.filter((m) => m.subject?.includes(tag)).length, 1);

    // The link from the email works as a one-click POST (no cookies, no JavaScript).
    const path = new URL(link).pathname;
    assert.equal((await app.request(path)).status, 200);
    assert.equal((await app.request(path, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status, 200);
    const scopes = await db.sql`SELECT scope, reason FROM suppressions WHERE address = ${kept}`;
    assert.deepEqual(scopes.map((r) => [r.scope, r.reason]), [['reminders', 'unsubscribe']]);
  });
});
