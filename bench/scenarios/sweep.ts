// Scenario 3: n due tasks; from the sweep's start to every reminder at the sink and every task marked.
import type { Client } from '@temporalio/client';
import type postgres from 'postgres';
import { messageIdFor, reminderWorkflowId, type SweepSummary } from '../../src/shared.js';
import { delivered, DOMAIN, QUEUE } from '../context.js';

export async function sweep(client: Client, sql: postgres.Sql, n: number) {
  const prefix = `sweep${n}`;
  const [u] = await sql`INSERT INTO users (email, name) VALUES (${`${prefix}@example.com`}, ${prefix}) RETURNING id`;
  const [p] = await sql`INSERT INTO projects (name, owner_id) VALUES (${prefix}, ${u!.id}) RETURNING id`;
  const tasks = await sql<{ id: string; due_at: Date }[]>`
    INSERT INTO tasks (project_id, title, due_at)
    SELECT ${p!.id}, ${prefix} || '-' || g, now() + interval '1 hour' + g * interval '1 second' FROM generate_series(1, ${n}) AS g
    RETURNING id, due_at`;
  const ids = tasks.map((t) => messageIdFor(reminderWorkflowId(t.id, t.due_at.toISOString()), DOMAIN));
  const t0 = Date.now();
  const summary = (await client.workflow.execute('DueTaskSweepWorkflow', { taskQueue: QUEUE, workflowId: `bench-${prefix}-${t0}`, args: [{}] })) as SweepSummary;
  const end = Math.max(await delivered(ids, `sweep of ${n}`), Date.now());
  const [{ marked }] = (await sql`SELECT count(*)::int AS marked FROM tasks WHERE project_id = ${p!.id} AND notification_sent`) as unknown as [{ marked: number }];
  if (marked !== n || summary.sent !== n) throw new Error(`sweep of ${n}: ${marked} marked, summary ${JSON.stringify(summary)}`);
  const seconds = (end - t0) / 1000;
  return { seconds, perSecond: n / seconds };
}
