// The statements every send makes, grouped while one is in flight (src/db/coalesce.ts), against a real
// PostgreSQL: many calls at once must each get the answer they would have got alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createBatchMessageStore } from '../../src/db/batch-messages.js';
import type { Sql } from '../../src/db/client.js';
import { createSendLedger } from '../../src/db/ledger.js';
import { createSuppressionStore, insertSuppression } from '../../src/db/suppressions.js';
import { createTaskStore } from '../../src/db/tasks.js';
import { createTestDatabase, seedTasks } from '../support/db.js';

describe('grouped statements on a real PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: Sql;
  before(async () => {
    db = await createTestDatabase();
    sql = db.sql;
  });
  after(() => db.drop());

  test('ledger: records made at once are all kept, the first answer of a Message-ID wins, and lookups at once see them', async () => {
    const ledger = createSendLedger(sql);
    const ids = Array.from({ length: 25 }, (_, i) => `<grouped-${i}@example.test>`);
    await Promise.all([
      ...ids.map((messageId, i) => ledger.record({ messageId, provider: 'smtp', providerMessageId: `q${i}` })),
      ledger.record({ messageId: ids[0]!, provider: 'ses', providerMessageId: 'second' }),
    ]);
    const found = await Promise.all([...ids, '<never-sent@example.test>'].map((id) => ledger.find(id)));
    assert.deepEqual(found.slice(0, 25).map((e) => e?.providerMessageId), ids.map((_, i) => `q${i}`));
    assert.equal(found[0]!.provider, 'smtp', 'a second record of the same Message-ID changed the first');
    assert.equal(found[25], undefined);
    const [{ n }] = (await sql`SELECT count(*)::int AS n FROM send_ledger WHERE message_id LIKE '<grouped-%'`) as unknown as [{ n: number }];
    assert.equal(n, 25);
  });

  test('suppressions: checks at once answer per address and kind (a reminders-only unsubscribe does not stop a message)', async () => {
    const store = createSuppressionStore(sql);
    await insertSuppression(sql, { address: 'bounced@example.test', scope: 'all', reason: 'bounce', source: 'ses' });
    await insertSuppression(sql, { address: 'unsub@example.test', scope: 'reminders', reason: 'unsubscribe', source: 'link' });
    await insertSuppression(sql, { address: 'both@example.test', scope: 'reminders', reason: 'unsubscribe', source: 'link' });
    await insertSuppression(sql, { address: 'both@example.test', scope: 'all', reason: 'complaint', source: 'ses' });
    const asks = [
      ['Bounced <BOUNCED@example.test>', 'message'],
      ['unsub@example.test', 'message'],
      ['unsub@example.test', 'reminder'],
      ['both@example.test', 'digest'],
      ['fine@example.test', 'reminder'],
    ] as const;
    const answers = await Promise.all(asks.map(([address, kind]) => store.find(address, kind)));
    assert.deepEqual(
      answers.map((a) => a && `${a.scope}:${a.reason}`),
      ['all:bounce', undefined, 'reminders:unsubscribe', 'all:complaint', undefined],
    );
    // A page's or batch's recipients read in one statement give the same answers.
    const page = ['Bounced <BOUNCED@example.test>', 'unsub@example.test', 'both@example.test', 'fine@example.test'];
    const forReminders = await store.findMany(page, 'reminder');
    assert.deepEqual([...forReminders].map(([a, x]) => `${a}=${x.scope}:${x.reason}`).sort(), ['both@example.test=all:complaint', 'bounced@example.test=all:bounce', 'unsub@example.test=reminders:unsubscribe']);
    const forMessages = await store.findMany(page, 'message');
    assert.deepEqual([...forMessages.keys()].sort(), ['both@example.test', 'bounced@example.test']);
  });

  test('reminder marks at once: each task flagged once, a second mark of the same due time is a no-op, a rescheduled task stays unflagged', async () => {
    const tasks = createTaskStore(sql);
    const due = new Date(Date.now() + 3_600_000);
    due.setMilliseconds(123);
    const ids = await seedTasks(sql, Array.from({ length: 12 }, (_, i) => ({ title: `grouped ${i}`, dueAt: due })));
    const dueAt = due.toISOString();
    const results = await Promise.all([
      ...ids.map((id, i) => tasks.markNotified(id, dueAt, `<r-${i}@example.test>`)),
      tasks.markNotified(ids[0]!, dueAt, '<r-0-again@example.test>'),
      tasks.markNotified(ids[1]!, new Date(due.getTime() + 60_000).toISOString(), '<r-1-moved@example.test>'),
    ]);
    assert.deepEqual(results, [...ids.map(() => true), false, false]);
    const rows = await sql<{ id: string; notification_sent: boolean }[]>`SELECT id::text, notification_sent FROM tasks WHERE id = ANY(${ids}::bigint[])`;
    assert.ok(rows.every((r) => r.notification_sent), 'every task flagged');
    const [again] = await sql<{ message_id: string }[]>`SELECT message_id FROM task_reminders WHERE task_id = ${ids[0]!}::bigint AND due_at = ${dueAt}::timestamptz`;
    assert.equal(again!.message_id, '<r-0-again@example.test>', 'the record keeps the last Message-ID, as marks one after another would');
    assert.equal(await tasks.markNotified(ids[2]!, dueAt), false, 'a later mark is a no-op');
  });

  test('batch claims at once: only queued or sending messages are claimed, each answered for itself', async () => {
    const store = createBatchMessageStore(sql);
    const messages = Array.from({ length: 6 }, (_, i) => ({ id: `message-grouped-${i}`, requestHash: `h${i}`, to: 'a@example.test', subject: 's', text: 't' }));
    await store.insertBatch('batch-grouped', messages);
    await sql`UPDATE batch_messages SET state = 'cancelled' WHERE id = 'message-grouped-2'`;
    await sql`UPDATE batch_messages SET state = 'sent' WHERE id = 'message-grouped-4'`;
    const claimed = await Promise.all([...messages.map((m) => store.claim(m.id)), store.claim('message-grouped-none')]);
    assert.deepEqual(claimed, [true, true, false, true, false, true, false]);
  });
});
