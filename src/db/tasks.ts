import type { DueTask } from '../shared.js';
import type { Sql } from './client.js';

export interface DueTaskQuery {
  windowStart: string;
  windowEnd: string;
  after?: TaskCursor;
  limit: number;
}

/** Where the next page starts: due_at as PostgreSQL prints it (full precision) and the id. */
export interface TaskCursor {
  dueAt: string;
  taskId: string;
}

export interface DueTaskPage {
  tasks: DueTask[];
  next?: TaskCursor;
}

export interface TaskStore {
  findDue(q: DueTaskQuery): Promise<DueTaskPage>;
  /** true when this call set the flag; false when it was already set or the due time changed. */
  markNotified(taskId: string, dueAt: string): Promise<boolean>;
}

interface Row {
  id: string;
  title: string;
  due_at: Date;
  due_cursor: string;
  project_id: string;
  project_name: string;
  owner_id: string;
  owner_email: string;
  owner_name: string | null;
}

export function createTaskStore(sql: Sql): TaskStore {
  return {
    async findDue({ windowStart, windowEnd, after, limit }) {
      // Inclusive at both ends, like the Django command's due_date__range=(now, now + 24h).
      const rows = await sql<Row[]>`
        SELECT t.id, t.title, t.due_at, t.due_at::text AS due_cursor, p.id AS project_id, p.name AS project_name,
               u.id AS owner_id, u.email AS owner_email, u.name AS owner_name
          FROM tasks t
          JOIN projects p ON p.id = t.project_id
          JOIN users u ON u.id = p.owner_id
         WHERE t.is_completed = false
           AND t.notification_sent = false
           AND t.due_at >= ${windowStart}::timestamptz
           AND t.due_at <= ${windowEnd}::timestamptz
           ${after ? sql`AND (t.due_at, t.id) > (${after.dueAt}::timestamptz, ${after.taskId}::bigint)` : sql``}
         ORDER BY t.due_at, t.id
         LIMIT ${limit}`;
      const tasks = rows.map((r) => ({
        taskId: String(r.id),
        title: r.title,
        dueAt: r.due_at.toISOString(),
        projectId: String(r.project_id),
        projectName: r.project_name,
        ownerId: String(r.owner_id),
        ownerEmail: r.owner_email,
        ownerName: r.owner_name,
      }));
      const last = rows.at(-1);
      return { tasks, next: last && rows.length === limit ? { dueAt: last.due_cursor, taskId: String(last.id) } : undefined };
    },

    async markNotified(taskId, dueAt) {
      // Conditional: a second mark is a no-op, and a task rescheduled meanwhile keeps its flag
      // unset so that its new due time is reminded too. Millisecond precision matches DueTask.dueAt.
      const rows = await sql`
        UPDATE tasks SET notification_sent = true, notification_sent_at = now()
         WHERE id = ${taskId}::bigint
           AND date_trunc('milliseconds', due_at) = ${dueAt}::timestamptz
           AND notification_sent = false
        RETURNING id`;
      return rows.length === 1;
    },
  };
}
