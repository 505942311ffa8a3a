import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client, Connection, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { SCHEDULE_ID, sweepRunWorkflowId, type SweepSummary } from '../../src/shared.js';
import { createTestDatabase } from '../support/db.js';
import { infra } from '../support/env.js';
import { exited, spawnWorker, temporalCli } from '../support/processes.js';

const HOUR = 3_600_000;

/** Many tasks due from now on, owned by a handful of owners, inserted in one statement. */
async function seedMany(sql: Awaited<ReturnType<typeof createTestDatabase>>['sql'], n: number, prefix: string, from: Date) {
  const [u] = await sql`INSERT INTO users (email, name) VALUES (${`${prefix}@example.com`}, ${prefix}) RETURNING id`;
  const [p] = await sql`INSERT INTO projects (name, owner_id) VALUES (${`P ${prefix}`}, ${u!.id}) RETURNING id`;
  await sql`
    INSERT INTO tasks (project_id, title, due_at)
    SELECT ${p!.id}, ${prefix} || '-' || g, ${from}::timestamptz + (g * interval '1 second')
      FROM generate_series(1, ${n}) AS g`;
}

describe('the sweep with the worker as its own process (npm run worker)', () => {
  const sink = new MailCatcher();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let connection: Connection;
  let client: Client;
  let vars: Record<string, string>;

  before(async () => {
    db = await createTestDatabase();
    const port = await sink.start();
    connection = await Connection.connect({ address: infra.temporalAddress });
    client = new Client({ connection });
    vars = {
      DATABASE_URL: db.url,
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(port),
      TEMPORAL_TASK_QUEUE: `sweep-${randomUUID()}`,
      SWEEP_PAGE_SIZE: '25',
    };
  });
  after(async () => {
    await client.schedule.getHandle(SCHEDULE_ID).delete().catch(() => {});
    await connection?.close();
    await sink.stop();
    await db?.drop();
  });

  test('the worker creates the schedule with the documented id, interval and policies', async () => {
    await client.schedule.getHandle(SCHEDULE_ID).delete().catch((e) => assert.ok(e instanceof ScheduleNotFoundError));
    const worker = spawnWorker(vars);
    try {
      let description;
      for (let i = 0; i < 100 && !description; i++) {
        description = await client.schedule.getHandle(SCHEDULE_ID).describe().catch(() => undefined);
        if (!description) await new Promise((r) => setTimeout(r, 300));
      }
      assert.ok(description, 'schedule exists after the worker started');
      assert.equal(description.spec.intervals?.[0]?.every, HOUR);
      assert.equal(description.policies.overlap, 'SKIP');
      assert.equal(description.policies.catchupWindow, HOUR);
      assert.equal(description.action.type, 'startWorkflow');
      assert.equal(description.action.workflowType, 'DueTaskSweepWorkflow');
      assert.equal(description.action.taskQueue, vars.TEMPORAL_TASK_QUEUE);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  });

  test('ten concurrent `temporal schedule trigger` (overlap AllowAll) and ten ScheduleHandle.trigger(ALLOW_ALL) remind each task once', async () => {
    await seedMany(db.sql, 30, 'cli', new Date(Date.now() + HOUR));
    const worker = spawnWorker(vars);
    try {
      const sweepsBefore = await countSweeps();
      const runs = await Promise.all(
        Array.from({ length: 10 }, () => temporalCli(['schedule', 'trigger', '--schedule-id', SCHEDULE_ID, '--overlap-policy', 'AllowAll'])),
      );
      assert.ok(runs.every((r) => r.code === 0), runs.map((r) => r.out).join('\n'));
      await waitUntil(async () => Number((await db.sql`SELECT count(*) FROM tasks WHERE title LIKE 'cli-%' AND notification_sent`)[0]!.count) === 30);
      await seedMany(db.sql, 30, 'sdk', new Date(Date.now() + HOUR));
      const schedule = client.schedule.getHandle(SCHEDULE_ID);
      await Promise.all(Array.from({ length: 10 }, () => schedule.trigger(ScheduleOverlapPolicy.ALLOW_ALL)));
      await waitUntil(async () => Number((await db.sql`SELECT count(*) FROM tasks WHERE title LIKE 'sdk-%' AND notification_sent`)[0]!.count) === 30);
      await waitUntil(async () => (await countSweeps('Running')) === 0);
      // Triggers in the same second share the schedule's workflow id (due-task-sweep-<time>), so Temporal
      // itself folds them into one sweep; each batch of ten ran at least one.
      assert.ok((await countSweeps()) - sweepsBefore >= 2, 'the triggers started sweeps');
      for (const owner of ['cli@example.com', 'sdk@example.com']) {
        const ids = sink.messages.filter((x) => x.to === owner).map((m) => m.messageId);
        assert.equal(ids.length, 30, owner);
        assert.equal(new Set(ids).size, 30, owner);
      }
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  });

  async function countSweeps(status?: string): Promise<number> {
    const q = `WorkflowType = 'DueTaskSweepWorkflow' AND TaskQueue = '${vars.TEMPORAL_TASK_QUEUE}'${status ? ` AND ExecutionStatus = '${status}'` : ''}`;
    return (await collect(client.workflow.list({ query: q }))).length;
  }

  test('SIGKILL of the worker mid-sweep: every task is reminded and marked, one Message-ID per task', async () => {
    const N = 300;
    await seedMany(db.sql, N, 'kill', new Date(Date.now() + HOUR));
    // What the sweep will find due: these tasks and any an earlier test here left unreminded.
    const [{ due }] = (await db.sql`SELECT count(*)::int AS due FROM tasks WHERE NOT is_completed AND NOT notification_sent AND due_at > now() AND due_at < now() + interval '23 hours'`) as unknown as [{ due: number }];
    let worker = spawnWorker(vars);
    const handle = await client.workflow.start('DueTaskSweepWorkflow', { taskQueue: vars.TEMPORAL_TASK_QUEUE!, workflowId: `kill-${randomUUID()}`, args: [{}] });
    await sink.waitFor((m) => m.filter((x) => x.to === 'kill@example.com').length >= 40, 60_000);
    worker.kill('SIGKILL');
    await exited(worker);
    const atKill = sink.messages.filter((x) => x.to === 'kill@example.com').length;
    assert.ok(atKill < N, `killed before the end (${atKill} of ${N})`);
    worker = spawnWorker(vars);
    try {
      const summary = (await handle.result()) as SweepSummary;
      // The page cut short by the kill is read again: it sends only what its lost attempt left unmarked,
      // and counts what that attempt marked as already handled, so every task due is found once.
      assert.equal(summary.found, due, `${due} due: ${JSON.stringify(summary)}`);
      assert.ok(summary.sent <= due, JSON.stringify(summary));
      assert.equal(summary.failed, 0);
      await waitUntil(async () => Number((await db.sql`SELECT count(*) FROM tasks WHERE title LIKE 'kill-%' AND notification_sent`)[0]!.count) === N);
      const ids = sink.messages.filter((x) => x.to === 'kill@example.com').map((m) => m.messageId!);
      assert.equal(new Set(ids).size, N, 'one distinct Message-ID per task');
      // A second copy happens only for a send the kill caught between the sink's acceptance and the
      // mark: at most one per lane of the batch (10). It repeats the Message-ID.
      assert.ok(ids.length - N <= 10, `${ids.length - N} duplicates, at most the sends in flight`);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  });

  test('10,000 due tasks are swept to completion in batches: one activity per page of 200, no workflow per task', async () => {
    const N = 10_000;
    await seedMany(db.sql, N, 'bulk', new Date(Date.now() + HOUR));
    const worker = spawnWorker({ ...vars, SWEEP_PAGE_SIZE: '200', SMTP_POOL_SIZE: '10' });
    try {
      const handle = await client.workflow.start('DueTaskSweepWorkflow', { taskQueue: vars.TEMPORAL_TASK_QUEUE!, workflowId: `bulk-${randomUUID()}`, args: [{}] });
      const summary = (await handle.result()) as SweepSummary;
      assert.equal(summary.found, N);
      assert.equal(summary.sent, N);
      const [{ count }] = (await db.sql`SELECT count(*) FROM tasks WHERE title LIKE 'bulk-%' AND notification_sent`) as unknown as [{ count: string }];
      assert.equal(Number(count), N);
      assert.equal(new Set(sink.messages.filter((x) => x.to === 'bulk@example.com').map((m) => m.messageId)).size, N);
      const events = (await client.workflow.getHandle(sweepRunWorkflowId(vars.TEMPORAL_TASK_QUEUE!)).fetchHistory()).events ?? [];
      const batches = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendReminderBatch').length;
      assert.equal(batches, N / 200 + 1, '50 full pages, then an empty one');
      assert.equal(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length, 0, 'no reminder workflows');
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  });
});

async function waitUntil(cond: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
