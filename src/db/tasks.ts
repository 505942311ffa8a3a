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

/** Digest mode: one email per owner with all their due tasks. */
export interface DigestStore {
  /** Owners with at least one qualifying task, in id order after `afterOwnerId`. */
  findDueOwners(q: { windowStart: string; windowEnd: string; afterOwnerId?: string; limit: number }): Promise<string[]>;
  findDueForOwner(q: { ownerId: string; windowStart: string; windowEnd: string; limit: number }): Promise<DueTask[]>;
  /** Marks each task that is still unnotified at that due time; returns how many this call marked. */
  markManyNotified(tasks: { taskId: string; dueAt: string }[]): Promise<number>;
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

function toDueTask(r: Row): DueTask {
  return {
    taskId: String(r.id),
    title: r.title,
    dueAt: r.due_at.toISOString(),
    projectId: String(r.project_id),
    projectName: r.project_name,
    ownerId: String(r.owner_id),
    ownerEmail: r.owner_email,
    ownerName: r.owner_name,
  };
}

export function createTaskStore(sql: Sql): TaskStore & DigestStore {
  // The old command's rule, inclusive at both ends like its due_date__range=(now, now + 24h).
  const qualifying = (windowStart: string, windowEnd: string) => sql`
         t.is_completed = false
     AND t.notification_sent = false
     AND t.due_at >= ${windowStart}::timestamptz
     AND t.due_at <= ${windowEnd}::timestamptz`;
  const selectDue = () => sql`
    SELECT t.id, t.title, t.due_at, t.due_at::text AS due_cursor, p.id AS project_id, p.name AS project_name,
           u.id AS owner_id, u.email AS owner_email, u.name AS owner_name
      FROM tasks t
      JOIN projects p ON p.id = t.project_id
      JOIN users u ON u.id = p.owner_id`;

  return {
    async findDue({ windowStart, windowEnd, after, limit }) {
      const rows = await sql<Row[]>`
        ${selectDue()}
         WHERE ${qualifying(windowStart, windowEnd)}
           ${after ? sql`AND (t.due_at, t.id) > (${after.dueAt}::timestamptz, ${after.taskId}::bigint)` : sql``}
         ORDER BY t.due_at, t.id
         LIMIT ${limit}`;
      const tasks = rows.map(toDueTask);
      const last = rows.at(-1);
      return { tasks, next: last && rows.length === limit ? { dueAt: last.due_cursor, taskId: String(last.id) } : undefined };
    },

    async findDueOwners({ windowStart, windowEnd, afterOwnerId, limit }) {
      const rows = await sql<{ owner_id: string }[]>`
        SELECT DISTINCT p.owner_id
          FROM tasks t JOIN projects p ON p.id = t.project_id
         WHERE ${qualifying(windowStart, windowEnd)}
           ${afterOwnerId ? sql`AND p.owner_id > ${afterOwnerId}::bigint` : sql``}
         ORDER BY p.owner_id
         LIMIT ${limit}`;
      return rows.map((r) => String(r.owner_id));
    },

    async findDueForOwner({ ownerId, windowStart, windowEnd, limit }) {
      const rows = await sql<Row[]>`
        ${selectDue()}
         WHERE ${qualifying(windowStart, windowEnd)} AND p.owner_id = ${ownerId}::bigint
         ORDER BY t.due_at, t.id
         LIMIT ${limit}`;
      return rows.map(toDueTask);
    },

    async markManyNotified(tasks) {
      if (!tasks.length) return 0;
      const rows = await sql`
        UPDATE tasks AS t SET notification_sent = true, notification_sent_at = now()
          FROM (SELECT * FROM unnest(${tasks.map((x) => x.taskId)}::bigint[], ${tasks.map((x) => x.dueAt)}::timestamptz[])) AS m(id, due_at)
         WHERE t.id = m.id AND date_trunc('milliseconds', t.due_at) = m.due_at AND t.notification_sent = false
        RETURNING t.id`;
      return rows.length;
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
