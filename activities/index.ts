import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DigestStore, TaskCursor, TaskStore } from '../src/db/tasks.js';
import { sanitizeEmailHtml, textToHtml } from '../src/enhance/html.js';
import { EnhanceError, type Enhancer } from '../src/enhance/types.js';
import type { Mailers } from '../src/mail/index.js';
import { MailError } from '../src/mail/types.js';
import { renderDigest, renderReminder, type ReminderStyle } from '../src/reminders/render.js';
import type { DeliveryPlan, DueReminder, DueTask, ProviderName, RenderedEmail, SweepSettings } from '../src/shared.js';

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

const HEARTBEAT_EVERY_MS = 2_000;

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
      const ctx = Context.current();
      const { attempt } = ctx.info;
      const mailer = deps.mailers[input.provider];
      if (!mailer) throw ApplicationFailure.nonRetryable(`provider ${input.provider} is not configured on this worker`, 'ProviderMissing');
      // Heartbeats let Temporal notice a dead worker in seconds instead of at the start-to-close timeout.
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        const receipt = await mailer.send({
          from: deps.from[input.provider],
          to: input.to,
          subject: input.subject,
          text: input.text,
          html: input.html ?? textToHtml(input.text),
          messageId: input.messageId,
        });
        ctx.metricMeter.createCounter('mailer_emails_sent', 'emails', 'Emails accepted by a provider').add(1, { provider: input.provider, kind: ctx.info.workflowType ?? 'unknown' });
        return { provider: input.provider, providerMessageId: receipt.providerMessageId, messageId: input.messageId, attempt };
      } catch (err) {
        const e = err instanceof MailError ? err : new MailError(String(err), 'SendError', false);
        ctx.metricMeter
          .createCounter('mailer_emails_failed', 'attempts', 'Send attempts that failed, by provider and reason')
          .add(1, { provider: input.provider, reason: e.type, permanent: String(e.permanent) });
        // The attempt travels with the failure: the workflow reports it after retries end.
        throw ApplicationFailure.create({ message: e.message, type: e.type, nonRetryable: e.permanent, details: [{ attempt }] });
      } finally {
        clearInterval(beat);
      }
    },

    async sweepSettings(): Promise<SweepSettings> {
      return deps.sweep;
    },

    /** One page of due tasks, each with its reminder rendered, so each child only sends and marks. */
    async findDueReminders(input: {
      windowStart: string;
      windowEnd: string;
      after?: TaskCursor;
      limit: number;
    }): Promise<{ reminders: DueReminder[]; next?: TaskCursor }> {
      const page = await requireTasks(deps).findDue(input);
      return { reminders: page.tasks.map((task) => ({ task, email: renderReminder(task, deps.reminders) })), next: page.next };
    },

    async markTaskNotified(input: { taskId: string; dueAt: string }): Promise<{ marked: boolean }> {
      return { marked: await requireTasks(deps).markNotified(input.taskId, input.dueAt) };
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
