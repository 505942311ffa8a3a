import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DigestStore, ReminderKey, TaskCursor, TaskStore } from '../src/db/tasks.js';
import { sanitizeEmailHtml, textToHtml } from '../src/enhance/html.js';
import { EnhanceError, type Enhancer } from '../src/enhance/types.js';
import type { Mailers } from '../src/mail/index.js';
import { MailError } from '../src/mail/types.js';
import { renderDigest, renderReminder, type ReminderStyle } from '../src/reminders/render.js';
import {
  messageIdFor,
  reminderWorkflowId,
  type DeliveryPlan,
  type DueReminder,
  type DueTask,
  type ProviderName,
  type RenderedEmail,
  type SweepSettings,
} from '../src/shared.js';

export interface ActivityDeps {
  mailers: Mailers;
  enhancer?: Enhancer;
  tasks?: TaskStore;
  digests?: DigestStore;
  plan: Omit<DeliveryPlan, 'enhancerAvailable'>;
  from: Record<ProviderName, string>;
  reminders: ReminderStyle;
  sweep: SweepSettings;
}

export interface SendEmailActivityInput {
  workflowId: string;
  provider: ProviderName;
  messageId: string;
  to: string;
  subject: string;
  text: string;
  /** Already sanitised (Gemini output) or trusted (reminder template); absent: plain-text rendering. */
  html?: string;
}

export interface SendEmailActivityResult {
  provider: ProviderName;
  providerMessageId?: string;
  messageId: string;
  attempt: number;
}

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
  next?: TaskCursor;
}

const HEARTBEAT_EVERY_MS = 2_000;
/** Sends in flight at once in a batch; the SMTP pool queues what exceeds its connections. */
const BATCH_CONCURRENCY = 10;

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

const DIGEST_MAX_TASKS = 500;

function requireTasks(deps: ActivityDeps): TaskStore {
  if (!deps.tasks) throw ApplicationFailure.nonRetryable('this worker has no database (DATABASE_URL)', 'NoDatabase');
  return deps.tasks;
}

function requireDigests(deps: ActivityDeps): DigestStore {
  if (!deps.digests) throw ApplicationFailure.nonRetryable('this worker has no database (DATABASE_URL)', 'NoDatabase');
  return deps.digests;
}

/** Activities are built from injected clients, once per worker (house style: dependency injection). */
export function createActivities(deps: ActivityDeps) {
  /** One send through a provider, counted in the worker's metrics by outcome. */
  async function send(provider: ProviderName, email: RenderedEmail & { messageId: string }) {
    const ctx = Context.current();
    const mailer = deps.mailers[provider];
    if (!mailer) throw ApplicationFailure.nonRetryable(`provider ${provider} is not configured on this worker`, 'ProviderMissing');
    try {
      const receipt = await mailer.send({ from: deps.from[provider], ...email, html: email.html ?? textToHtml(email.text) });
      ctx.metricMeter.createCounter('mailer_emails_sent', 'emails', 'Emails accepted by a provider').add(1, { provider, kind: ctx.info.workflowType ?? 'unknown' });
      return receipt;
    } catch (err) {
      const e = err instanceof MailError ? err : new MailError(String(err), 'SendError', false);
      ctx.metricMeter
        .createCounter('mailer_emails_failed', 'attempts', 'Send attempts that failed, by provider and reason')
        .add(1, { provider, reason: e.type, permanent: String(e.permanent) });
      throw e;
    }
  }

  /** Heartbeats let Temporal notice a dead worker in seconds instead of at the start-to-close timeout. */
  async function heartbeating<T>(fn: () => Promise<T>): Promise<T> {
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await fn();
    } finally {
      clearInterval(beat);
    }
  }

  return {
    async planDelivery(): Promise<DeliveryPlan> {
      return { ...deps.plan, enhancerAvailable: !!deps.enhancer };
    },

    async enhanceEmail(input: { workflowId: string; subject: string; text: string }): Promise<{ html: string }> {
      if (!deps.enhancer) throw ApplicationFailure.nonRetryable('GEMINI_API_KEY is not set', 'GeminiDisabled');
      const { attempt } = Context.current().info;
      try {
        const raw = await deps.enhancer.enhance({ key: input.workflowId, attempt, subject: input.subject, text: input.text });
        const html = sanitizeEmailHtml(raw);
        if (!html.trim()) throw new EnhanceError('Gemini returned no usable HTML', false);
        return { html };
      } catch (err) {
        const e = err instanceof EnhanceError ? err : new EnhanceError(String(err), true);
        throw ApplicationFailure.create({ message: e.message, type: e.retryable ? 'GeminiTransient' : 'GeminiRejected', nonRetryable: !e.retryable });
      }
    },

    async sendEmail(input: SendEmailActivityInput): Promise<SendEmailActivityResult> {
      const { attempt } = Context.current().info;
      const { provider, messageId, to, subject, text, html } = input;
      try {
        const receipt = await heartbeating(() => send(provider, { to, subject, text, html, messageId }));
        return { provider, providerMessageId: receipt.providerMessageId, messageId, attempt };
      } catch (err) {
        if (!(err instanceof MailError)) throw err;
        // The attempt travels with the failure: the workflow reports it after retries end.
        throw ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: err.permanent, details: [{ attempt }] });
      }
    },

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
      const page = await store.findDue(query);
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
      await heartbeating(() =>
        eachLimited(reminders, BATCH_CONCURRENCY, async (reminder) => {
          // A timed-out or cancelled attempt stops sending: its retry owns what is left unmarked.
          if (cancellationSignal.aborted) return;
          const { taskId, dueAt } = reminder.task;
          const messageId = messageIdFor(reminderWorkflowId(taskId, dueAt), deps.plan.messageIdDomain);
          try {
            await send(provider, { ...reminder.email, messageId });
          } catch (err) {
            if (!(err instanceof MailError)) throw err;
            if (err.permanent && !deps.plan.fallback) result.failures.push({ taskId, error: err.message });
            else result.handOff.push(reminder);
            return;
          }
          result.sent++;
          await store.markNotified(taskId, dueAt, messageId).catch(() => result.unmarked.push({ taskId, dueAt, messageId }));
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

    async findDueOwners(input: { windowStart: string; windowEnd: string; afterOwnerId?: string; limit: number }): Promise<string[]> {
      return requireDigests(deps).findDueOwners(input);
    },

    /** An owner's due tasks (identity only, to keep history small) and the digest email listing them. */
    async buildDigest(input: {
      ownerId: string;
      windowStart: string;
      windowEnd: string;
    }): Promise<{ tasks: Pick<DueTask, 'taskId' | 'dueAt'>[]; email?: RenderedEmail }> {
      const tasks = await requireDigests(deps).findDueForOwner({ ...input, limit: DIGEST_MAX_TASKS });
      if (!tasks.length) return { tasks: [] };
      return { tasks: tasks.map(({ taskId, dueAt }) => ({ taskId, dueAt })), email: renderDigest(tasks, deps.reminders) };
    },

    async markTasksNotified(input: { tasks: { taskId: string; dueAt: string }[] }): Promise<{ marked: number }> {
      return { marked: await requireDigests(deps).markManyNotified(input.tasks) };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
