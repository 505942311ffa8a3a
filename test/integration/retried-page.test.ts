// A sweep page read again after its worker died (src/db/tasks.ts findDue with markedSince): the tasks
// its lost attempt marked no longer qualify, and are counted as already handled, within the page's
// range only and only when marked since the first attempt.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTaskStore } from '../../src/db/tasks.js';
import { createTestDatabase, seedTasks } from '../support/db.js';

describe('a retried sweep page counts what its lost attempt marked (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  test('marks since the first attempt, in the page range, count as already handled; older marks and later pages do not', async () => {
    const store = createTaskStore(db.sql);
    const base = Date.now() + 3_600_000;
    const ids = await seedTasks(db.sql, Array.from({ length: 12 }, (_, i) => ({ title: `retried ${i}`, dueAt: new Date(base + i * 1_000) })));
    const window = { windowStart: new Date().toISOString(), windowEnd: new Date(base + 86_400_000).toISOString() };
    const due = (i: number) => new Date(base + i * 1_000).toISOString();
    // A task reminded by an earlier sweep, then the lost attempt of a page of 5 marks its first three.
    await store.markNotified(ids[1]!, due(1), '<earlier@example.test>');
    await new Promise((r) => setTimeout(r, 20));
    const firstAttempt = new Date().toISOString();
    for (const i of [0, 2, 3]) await store.markNotified(ids[i]!, due(i), `<lost-${i}@example.test>`);

    const first = await store.findDue({ ...window, limit: 5 });
    assert.equal(first.alreadyHandled, 0, 'a first attempt counts only what it reads');
    const retried = await store.findDue({ ...window, limit: 5, markedSince: firstAttempt });
    assert.deepEqual(retried.tasks.map((t) => t.taskId), [ids[4], ids[5], ids[6], ids[7], ids[8]]);
    assert.equal(retried.alreadyHandled, 3, "the lost attempt's three marks, not the earlier sweep's");
    const nextPage = await store.findDue({ ...window, limit: 5, after: retried.next, markedSince: firstAttempt });
    assert.equal(nextPage.tasks.length, 3);
    assert.equal(nextPage.alreadyHandled, 0, 'marks before the page range are not counted again');
    assert.equal(nextPage.next, undefined);
  });
});
