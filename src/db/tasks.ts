import type { ZonedTask } from '../reminders/render.js';
import type { DueTask } from '../shared.js';
import type { Sql } from './client.js';
import { coalesce } from './coalesce.js';

export interface DueTaskQuery {
  windowStart: string;
  windowEnd: string;
  after?: TaskCursor;
  limit: number;
  /**
   * A retried page: the tasks in its range that an earlier attempt marked (since this time) no longer
   * qualify, so they are counted here, as already handled, and the sweep still counts every task due.
   */
  markedSince?: string;
}

/** Where the next page starts: due_at as PostgreSQL prints it (full precision) and the id. */
export interface TaskCursor {
  dueAt: string;
  taskId: string;
}

export interface DueTaskPage {
  /** Qualifying tasks with no reminder on record for their due time: these are to be sent. */
  tasks: DueTask[];
  /**
   * Qualifying tasks whose reminder is on record (sent, or handed to a workflow of its own), and on a
   * retried page those an earlier attempt marked.
   */
  alreadyHandled: number;
  next?: TaskCursor;
}

/** A reminder's key (task and due time, as its workflow id) and the Message-ID it is sent with. */
export interface ReminderKey {
  taskId: string;
  dueAt: string;
  messageId: string;
}

export interface TaskStore {
  findDue(q: DueTaskQuery): Promise<DueTaskPage>;
  /**
   * Records the reminder as sent and sets the task's flag. true when this call set the flag; false
   * when it was already set or the due time changed (the record is kept either way).
   */
  markNotified(taskId: string, dueAt: string, messageId?: string): Promise<boolean>;
  /** Records reminders handed to workflows of their own, so no sweep sends them meanwhile. */
  handOff(reminders: ReminderKey[]): Promise<void>;
  /** A handed-off reminder failed for good: forget it, so that a later sweep may try again. */
  releaseHandOff(taskId: string, dueAt: string): Promise<void>;
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
  owner_time_zone: string | null;
  handled?: boolean;
}

function toDueTask(r: Row): ZonedTask {
  return {
    ...(r.owner_time_zone ? { ownerTimeZone: r.owner_time_zone } : {}),
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

const ZONE_RECHECK_MS = 60_000;
const UNDEFINED_COLUMN = '42703';

/**
 * Whether the shared users table has a time_zone column (an IANA name per owner). The service never
 * adds it: applications that own the table may. Asked again every minute, and at once after a query
 * found the column gone.
 */
function ownerZoneColumn(sql: Sql) {
  let known: { at: number; value: Promise<boolean> } | undefined;
  return {
    has(): Promise<boolean> {
      if (!known || Date.now() - known.at > ZONE_RECHECK_MS) {
        const value = sql<{ present: boolean }[]>`
          SELECT EXISTS (SELECT 1 FROM pg_attribute
                          WHERE attrelid = to_regclass('users') AND attname = 'time_zone' AND NOT attisdropped) AS present`.then(
          ([r]) => r?.present === true,
        );
        known = { at: Date.now(), value };
        value.catch(() => (known = undefined));
      }
      return known.value;
    },
    forget(err: unknown): never {
      if ((err as { code?: string }).code === UNDEFINED_COLUMN) known = undefined;
      throw err;
    },
  };
}

/** Mark statements in flight at once: the worker gives them as many connections of their own. */
export const MARKS_IN_FLIGHT = 4;

/**
 * Reads go through `sql`; marks through `writes`. A reminder's mark is what keeps a retried page from
 * sending it again (the sweep's duplicate window, as the send ledger's row is a single send's), so it
 * never queues behind the pool's reads, and a mark waits for no other's statement but its own task's:
 * a later mark of a task never overtakes an earlier one, and no two statements lock the same task.
 */
export function createTaskStore(sql: Sql, writes: Sql = sql): TaskStore & DigestStore {
  const zones = ownerZoneColumn(sql);
  // The record and the flag in one statement, for every send of a page that finished meanwhile. The
  // flag is conditional: a second mark is a no-op, and a task rescheduled meanwhile keeps its flag
  // unset so that its new due time is reminded too. Millisecond precision matches DueTask.dueAt.
  const markNotified = coalesce(async (marks: { taskId: string; dueAt: string; messageId: string }[]) => {
    // One row per task and due time (the last Message-ID wins, as sequential marks would leave it);
    // the first mark of a pair is the one that flips the flag.
    const unique = new Map(marks.map((m) => [`${m.taskId} ${Date.parse(m.dueAt)}`, m]));
    const rows = [...unique.values()];
    const flipped = await writes<{ n: string }[]>`
      WITH input AS (
        SELECT * FROM unnest(${rows.map((m) => m.taskId)}::bigint[], ${rows.map((m) => m.dueAt)}::timestamptz[], ${rows.map((m) => m.messageId)}::text[])
          WITH ORDINALITY AS i(task_id, due_at, message_id, n)
      ), sent AS (
        INSERT INTO task_reminders (task_id, due_at, state, message_id)
        SELECT task_id, due_at, 'sent', message_id FROM input
        ON CONFLICT (task_id, due_at) DO UPDATE SET state = 'sent', message_id = EXCLUDED.message_id, updated_at = now()
      )
      UPDATE tasks t SET notification_sent = true, notification_sent_at = now()
        FROM input i
       WHERE t.id = ANY(${rows.map((m) => m.taskId)}::bigint[])
         AND t.id = i.task_id
         AND date_trunc('milliseconds', t.due_at) = i.due_at
         AND t.notification_sent = false
      RETURNING i.n`;
    const marked = new Set(flipped.map((r) => rows[Number(r.n) - 1]!));
    return marks.map((m) => {
      const row = unique.get(`${m.taskId} ${Date.parse(m.dueAt)}`)!;
      const first = marked.has(row);
      marked.delete(row);
      return first;
    });
  }, { inFlight: MARKS_IN_FLIGHT, order: (m) => m.taskId });
  // The old command's rule, inclusive at both ends like its due_date__range=(now, now + 24h).
  const dueInWindow = (windowStart: string, windowEnd: string) => sql`
         t.is_completed = false
     AND t.due_at >= ${windowStart}::timestamptz
     AND t.due_at <= ${windowEnd}::timestamptz`;
  const qualifying = (windowStart: string, windowEnd: string) => sql`${dueInWindow(windowStart, windowEnd)} AND t.notification_sent = false`;
  /** A page's start: the tasks after its cursor, in (due_at, id) order. */
  const afterCursor = (after?: TaskCursor) => (after ? sql`AND (t.due_at, t.id) > (${after.dueAt}::timestamptz, ${after.taskId}::bigint)` : sql``);
  const selectDue = (zoned: boolean) => sql`
    SELECT t.id, t.title, t.due_at, t.due_at::text AS due_cursor, p.id AS project_id, p.name AS project_name,
           u.id AS owner_id, u.email AS owner_email, u.name AS owner_name,
           ${zoned ? sql`u.time_zone::text` : sql`NULL::text`} AS owner_time_zone
      FROM tasks t
      JOIN projects p ON p.id = t.project_id
      JOIN users u ON u.id = p.owner_id`;

  return {
    async findDue({ windowStart, windowEnd, after, limit, markedSince }) {
      const zoned = await zones.has();
      const rows = await sql<Row[]>`
        SELECT d.*, EXISTS (
                 SELECT 1 FROM task_reminders r WHERE r.task_id = d.id AND r.due_at = date_trunc('milliseconds', d.due_at)
               ) AS handled
          FROM (${selectDue(zoned)}
                 WHERE ${qualifying(windowStart, windowEnd)} ${afterCursor(after)}
                 ORDER BY t.due_at, t.id
                 LIMIT ${limit}) AS d
         ORDER BY d.due_at, d.id`.catch(zones.forget);
      const tasks = rows.filter((r) => !r.handled).map(toDueTask);
      const last = rows.at(-1);
      const next = last && rows.length === limit ? { dueAt: last.due_cursor, taskId: String(last.id) } : undefined;
      let markedEarlier = 0;
      if (markedSince) {
        // This page's range: after its cursor, up to its last task (or the window's end if it is the last).
        const [counted] = await sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM tasks t
            JOIN task_reminders r ON r.task_id = t.id AND r.due_at = date_trunc('milliseconds', t.due_at)
           WHERE ${dueInWindow(windowStart, windowEnd)} AND t.notification_sent = true
             AND r.updated_at >= ${markedSince}::timestamptz ${afterCursor(after)}
             ${next ? sql`AND (t.due_at, t.id) <= (${next.dueAt}::timestamptz, ${next.taskId}::bigint)` : sql``}`;
        markedEarlier = counted?.n ?? 0;
      }
      return { tasks, alreadyHandled: rows.length - tasks.length + markedEarlier, next };
    },

    async handOff(reminders) {
      if (!reminders.length) return;
      await sql`
        INSERT INTO task_reminders (task_id, due_at, state, message_id)
        SELECT id, due_at, 'handed_off', message_id
          FROM unnest(${reminders.map((r) => r.taskId)}::bigint[], ${reminders.map((r) => r.dueAt)}::timestamptz[],
                      ${reminders.map((r) => r.messageId)}::text[]) AS m(id, due_at, message_id)
        ON CONFLICT (task_id, due_at) DO NOTHING`;
    },

    async releaseHandOff(taskId, dueAt) {
      await sql`DELETE FROM task_reminders WHERE task_id = ${taskId}::bigint AND due_at = ${dueAt}::timestamptz AND state = 'handed_off'`;
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
      const zoned = await zones.has();
      const rows = await sql<Row[]>`
        ${selectDue(zoned)}
         WHERE ${qualifying(windowStart, windowEnd)} AND p.owner_id = ${ownerId}::bigint
         ORDER BY t.due_at, t.id
         LIMIT ${limit}`.catch(zones.forget);
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

    markNotified: (taskId, dueAt, messageId = '') => markNotified({ taskId, dueAt, messageId }),
  };
}
