import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { createActivities } from '../../activities/index.js';
import { sweepRunWorkflowId, type SweepInput, type SweepSummary } from '../../src/shared.js';
import { dueTask, FakeMailer, FakeTaskStore } from './fakes.js';
import { eventually, fakeDeps, openHarness, type Harness } from './harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T = new Date('2032-03-01T12:00:00.000Z');

describe('DueTaskSweepWorkflow window, resumption and history (real workflows, fake task store and mailer)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h?.close();
  });

  function world() {
    const store = new FakeTaskStore();
    const smtp = new FakeMailer('smtp');
    return { store, smtp, activities: createActivities(fakeDeps({ mailers: { smtp }, tasks: store })) };
  }
  /** Runs one sweep to its end; `args` empty means started as the schedule would, with no input. */
  async function sweep(w: ReturnType<typeof world>, args: [SweepInput] | []) {
    const workflowId = `sweep-${randomUUID()}`;
    return h.run(w.activities, async (taskQueue) => {
      const handle = await h.client.workflow.start('DueTaskSweepWorkflow', { taskQueue, workflowId, args });
      const summary = (await handle.result()) as SweepSummary;
      return { summary, workflowId, taskQueue, startTime: (await handle.describe()).startTime };
    });
  }

  test('the window is [T, T + windowMs], both ends included, with T = input.windowStart', async () => {
    const w = world();
    const [before, atStart, atEnd, afterEnd] = [-1, 0, HOUR, HOUR + 1].map((d) => dueTask(new Date(T.getTime() + d)));
    for (const t of [before!, atStart!, atEnd!, afterEnd!]) w.store.add(t);
    const { summary } = await sweep(w, [{ windowStart: T.toISOString(), settings: { windowMs: HOUR, pageSize: 10 } }]);
    assert.equal(summary.windowStart, T.toISOString());
    assert.equal(summary.windowEnd, new Date(T.getTime() + HOUR).toISOString());
    assert.deepEqual(w.store.queries[0], { windowStart: T.toISOString(), windowEnd: summary.windowEnd, limit: 10 });
    assert.equal(summary.found, 2);
    assert.deepEqual(w.store.pages.flat(), [atStart!.taskId, atEnd!.taskId]);
    assert.ok(w.store.isNotified(atStart!.taskId) && w.store.isNotified(atEnd!.taskId));
    assert.ok(!w.store.isNotified(before!.taskId) && !w.store.isNotified(afterEnd!.taskId));
  });

  test('started without input, T is the workflow start time and the window and page size come from the worker settings', async () => {
    const w = world();
    const now = Date.now();
    const inside = dueTask(new Date(now + 30 * MINUTE));
    w.store.add(inside);
    w.store.add(dueTask(new Date(now - 10 * MINUTE)));
    w.store.add(dueTask(new Date(now + 25 * HOUR)));
    const { summary, startTime } = await sweep(w, []);
    const start = Date.parse(summary.windowStart);
    assert.ok(Math.abs(start - startTime.getTime()) <= 2_000, `windowStart ${summary.windowStart}, started ${startTime.toISOString()}`);
    assert.equal(Date.parse(summary.windowEnd) - start, 24 * HOUR, 'fakeDeps sweep.windowMs');
    assert.equal(w.store.queries[0]!.limit, 50, 'fakeDeps sweep.pageSize');
    assert.deepEqual([summary.found, summary.sent], [1, 1]);
    assert.ok(w.store.isNotified(inside.taskId));
  });

  test('a run continued with a cursor and totals resumes after the cursor and adds to the carried totals', async () => {
    const w = world();
    const tasks = Array.from({ length: 6 }, (_, i) => dueTask(new Date(T.getTime() + i * MINUTE)));
    for (const t of tasks) w.store.add(t);
    const windowEnd = new Date(T.getTime() + HOUR).toISOString();
    const carried = { windowStart: T.toISOString(), windowEnd, found: 3, sent: 2, handedOff: 0, alreadyHandled: 0, failed: 1, failures: [{ taskId: 'earlier', error: 'bounced' }] };
    const cursor = { dueAt: tasks[2]!.dueAt, taskId: tasks[2]!.taskId };
    const { summary } = await sweep(w, [{ windowStart: T.toISOString(), settings: { windowMs: HOUR, pageSize: 2 }, after: cursor, totals: carried }]);
    assert.deepEqual(w.store.queries[0]!.after, cursor);
    assert.deepEqual(summary, { ...carried, found: 6, sent: 5 });
    assert.deepEqual(w.store.pages.flat(), tasks.slice(3).map((t) => t.taskId));
    assert.deepEqual(tasks.map((t) => w.store.isNotified(t.taskId)), [false, false, false, true, true, true]);
  });

  test('60 tasks with pageSize 2 and a history limit of 40 events: the sweep continues as new and carries its totals', async () => {
    const w = world();
    const tasks = Array.from({ length: 60 }, (_, i) => dueTask(new Date(T.getTime() + i * MINUTE)));
    for (const task of tasks) w.store.add(task);
    const { summary, taskQueue, startTime } = await sweep(w, [{ windowStart: T.toISOString(), settings: { windowMs: 24 * HOUR, pageSize: 2, historyLimit: 40 } }]);
    assert.deepEqual([summary.found, summary.sent, summary.failed, summary.alreadyHandled], [60, 60, 0, 0]);
    assert.equal(w.store.queries.length, 31, '30 full pages, then an empty one');
    assert.ok(tasks.every((task) => w.store.isNotified(task.taskId)));
    assert.equal(w.smtp.sent.length, 60);

    const list = async () => {
      const runs: WorkflowExecutionInfo[] = [];
      // The work runs under the sweep's fixed id; this sweep's runs are the ones started after it.
      const query = `WorkflowId = '${sweepRunWorkflowId(taskQueue)}' AND StartTime >= '${startTime.toISOString()}'`;
      for await (const run of h.client.workflow.list({ query })) runs.push(run);
      return runs;
    };
    const runs = await eventually(list, (rs) => rs.some((r) => r.status.name === 'COMPLETED'));
    assert.equal(runs.filter((r) => r.status.name === 'COMPLETED').length, 1);
    assert.ok(runs.every((r) => r.status.name === 'COMPLETED' || r.status.name === 'CONTINUED_AS_NEW'));
    assert.ok(runs.length > 2, `continued as new: ${runs.length} runs, history lengths ${runs.map((r) => r.historyLength).join(', ')}`);
    assert.ok(runs.every((r) => r.historyLength! < 80), 'each run stays near the limit');
  });
});
