// The due-task sweep's activities: its settings, a page of reminders sent over the shared clients,
// and the marks and hand-offs around them.
import { Context } from '@temporalio/activity';
import type { ReminderKey, TaskCursor } from '../src/db/tasks.js';
import { MailError } from '../src/mail/types.js';
import { renderReminder } from '../src/reminders/render.js';
import { messageIdFor, reminderWorkflowId, type DueReminder, type SweepSettings } from '../src/shared.js';
import { readSuppressions, SuppressedError } from './suppression.js';
import { announceFromActivity } from './webhooks.js';
import { eachLimited, heartbeating, requireTasks, sendThrough, type ActivityDeps } from './deps.js';

export interface ReminderBatchInput {
  windowStart: string;
  windowEnd: string;
  after?: TaskCursor;
  limit: number;
  /** false: send nothing, hand every task off (a paced provider: its own queue sets the pace). */
  send: boolean;
}

export interface ReminderBatchResult {
  /** Qualifying tasks read in this page. */
  found: number;
  sent: number;
  alreadyHandled: number;
  /** Sent, but their mark failed (database trouble): the workflow marks them, with retries. */
  unmarked: ReminderKey[];
  /** To send in a TaskReminderWorkflow of their own, with Temporal's retries and the fallback. */
  handOff: DueReminder[];
  /** Failed for good with no fallback: reported and left unmarked. */
  failures: { taskId: string; error: string }[];
  /** On the suppression list: not sent, marked. */
  suppressed?: number;
  next?: TaskCursor;
}

/** Sends in flight at once in a batch; the SMTP pool queues what exceeds its connections. */
export const BATCH_CONCURRENCY = 10;

export function reminderActivities(deps: ActivityDeps) {
  return {
    async sweepSettings(): Promise<SweepSettings> {
      return deps.sweep;
    },

    /**
     * One page of due tasks, sent through the primary provider over its shared client (the SMTP pool,
     * the SES client), each task marked right after its own send. A retried attempt reads the page
     * again, so the tasks already marked are not sent twice; a failed email does not stop the others.
     */
    async sendReminderBatch(input: ReminderBatchInput): Promise<ReminderBatchResult> {
      const store = requireTasks(deps);
      const { send: sending, ...query } = input;
      // A retry (its worker died mid-page) also counts what the lost attempt marked, which it no longer
      // reads: the marks in its range made since the first attempt was scheduled. Only one sweep runs
      // at a time, so an earlier sweep's marks are older (the server's and PostgreSQL's clocks need only
      // agree to within the seconds between a sweep's start and its pages).
      const { attempt, scheduledTimestampMs } = Context.current().info;
      const page = await store.findDue(attempt > 1 ? { ...query, markedSince: new Date(scheduledTimestampMs).toISOString() } : query);
      const result: ReminderBatchResult = {
        found: page.tasks.length + page.alreadyHandled,
        sent: 0,
        alreadyHandled: page.alreadyHandled,
        unmarked: [],
        handOff: [],
        failures: [],
        next: page.next,
      };
      const reminders = page.tasks.map((task) => ({ task, email: renderReminder(task, deps.reminders) }));
      if (!sending) return { ...result, handOff: reminders };
      const provider = deps.plan.primary;
      const { cancellationSignal } = Context.current();
      // The page's recipients checked against the suppression list in one statement.
      const known = await readSuppressions(deps, reminders.map((r) => r.email.to), 'reminder');
      await heartbeating(() =>
        eachLimited(reminders, BATCH_CONCURRENCY, async (reminder) => {
          // A timed-out or cancelled attempt stops sending: its retry owns what is left unmarked.
          if (cancellationSignal.aborted) return;
          const { taskId, dueAt } = reminder.task;
          const messageId = messageIdFor(reminderWorkflowId(taskId, dueAt), deps.plan.messageIdDomain);
          const emailId = reminderWorkflowId(taskId, dueAt);
          const about = { kind: 'reminder', task_id: taskId, to: reminder.email.to, message_id: messageId };
          let receipt: { providerMessageId?: string };
          try {
            receipt = await sendThrough(deps, provider, { ...reminder.email, messageId }, known);
          } catch (err) {
            if (!(err instanceof MailError)) throw err;
            if (err instanceof SuppressedError) {
              // Marked, so that no later sweep picks it again; it counts as handled, not sent.
              result.suppressed = (result.suppressed ?? 0) + 1;
              await store.markNotified(taskId, dueAt, messageId).catch(() => result.unmarked.push({ taskId, dueAt, messageId }));
              await announceFromActivity(deps.plan, emailId, 'email.suppressed', { ...about, state: 'suppressed', suppression: { reason: err.suppression.reason } });
              return;
            }
            if (err.permanent && !deps.plan.fallback) result.failures.push({ taskId, error: err.message });
            else result.handOff.push(reminder);
            return;
          }
          result.sent++;
          await store.markNotified(taskId, dueAt, messageId).catch(() => result.unmarked.push({ taskId, dueAt, messageId }));
          await announceFromActivity(deps.plan, emailId, 'email.sent', { ...about, state: 'sent', provider, provider_message_id: receipt.providerMessageId ?? null });
        }),
      );
      return result;
    },

    async handOffReminders(input: { reminders: ReminderKey[] }): Promise<void> {
      await requireTasks(deps).handOff(input.reminders);
    },

    async releaseHandOff(input: { taskId: string; dueAt: string }): Promise<void> {
      await requireTasks(deps).releaseHandOff(input.taskId, input.dueAt);
    },

    async markRemindersSent(input: { reminders: ReminderKey[] }): Promise<void> {
      for (const r of input.reminders) await requireTasks(deps).markNotified(r.taskId, r.dueAt, r.messageId);
    },

    async markTaskNotified(input: { taskId: string; dueAt: string; messageId?: string }): Promise<{ marked: boolean }> {
      return { marked: await requireTasks(deps).markNotified(input.taskId, input.dueAt, input.messageId) };
    },
  };
}
