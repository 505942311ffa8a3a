// What every activity file is built from: the worker's injected clients and settings, and the helpers
// they share (one send through a provider, counted in metrics; heartbeats; bounded concurrency).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { BatchMessageStore } from '../src/db/batch-messages.js';
import type { SendLedger } from '../src/db/ledger.js';
import type { DigestStore, TaskStore } from '../src/db/tasks.js';
import { textToHtml } from '../src/enhance/html.js';
import type { Enhancer } from '../src/enhance/types.js';
import type { Mailers } from '../src/mail/index.js';
import { MailError } from '../src/mail/types.js';
import type { ReminderStyle } from '../src/reminders/render.js';
import type { DeliveryPlan, ProviderName, RenderedEmail, SweepSettings } from '../src/shared.js';
import { checkSuppression, listHeaders, noteRejection, sendKind, type SuppressionDeps, type SuppressionLookup } from './suppression.js';
import type { WebhookDeps } from './webhooks.js';

export interface ActivityDeps extends SuppressionDeps, WebhookDeps {
  mailers: Mailers;
  enhancer?: Enhancer;
  tasks?: TaskStore;
  digests?: DigestStore;
  /** Absent without a database: then a retry after a lost completion may send again. */
  ledger?: SendLedger;
  /** POST /messages batches (absent without a database: the API then starts one workflow per message). */
  messages?: BatchMessageStore;
  plan: Omit<DeliveryPlan, 'enhancerAvailable'>;
  from: Record<ProviderName, string>;
  reminders: ReminderStyle;
  sweep: SweepSettings;
}

const HEARTBEAT_EVERY_MS = 2_000;

/**
 * `fn` over `items`, `limit` at a time. After a failure no new item starts, and the sends already in
 * flight finish (with their marks) before the failure is thrown: a page that fails must not leave
 * sends behind it whose outcome nobody recorded, or its retry would send them again.
 */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.err;
}

export function requireTasks(deps: ActivityDeps): TaskStore {
  if (!deps.tasks) throw ApplicationFailure.nonRetryable('this worker has no database (DATABASE_URL)', 'NoDatabase');
  return deps.tasks;
}

export function requireDigests(deps: ActivityDeps): DigestStore {
  if (!deps.digests) throw ApplicationFailure.nonRetryable('this worker has no database (DATABASE_URL)', 'NoDatabase');
  return deps.digests;
}

/** One send through a provider, counted in the worker's metrics by outcome. */
export async function sendThrough(deps: ActivityDeps, provider: ProviderName, email: RenderedEmail & { messageId: string }, known?: SuppressionLookup) {
  const ctx = Context.current();
  const mailer = deps.mailers[provider];
  if (!mailer) throw ApplicationFailure.nonRetryable(`provider ${provider} is not configured on this worker`, 'ProviderMissing');
  // The suppression list first, for every kind of send: a suppressed address never reaches a provider.
  const kind = sendKind();
  await checkSuppression(deps, email.to, kind, known);
  try {
    const headers = listHeaders(deps, email.to, kind);
    const receipt = await mailer.send({ from: deps.from[provider], ...email, html: email.html ?? textToHtml(email.text), ...(headers ? { headers } : {}) });
    ctx.metricMeter.createCounter('mailer_emails_sent', 'emails', 'Emails accepted by a provider').add(1, { provider, kind: ctx.info.workflowType ?? 'unknown' });
    return receipt;
  } catch (err) {
    const e = err instanceof MailError ? err : new MailError(String(err), 'SendError', false);
    await noteRejection(deps, email.to, e);
    ctx.metricMeter
      .createCounter('mailer_emails_failed', 'attempts', 'Send attempts that failed, by provider and reason')
      .add(1, { provider, reason: e.type, permanent: String(e.permanent) });
    throw e;
  }
}

/**
 * One send that checks the send ledger first: a Message-ID on record (a retry after a crash that
 * lost the completion) returns the recorded answer without sending. The provider's answer is
 * recorded right after it arrives; a failed record does not fail the send (the email went out).
 */
export async function sendRecorded(deps: ActivityDeps, provider: ProviderName, email: RenderedEmail & { messageId: string }) {
  const known = await deps.ledger?.find(email.messageId);
  if (known) return { provider: known.provider, providerMessageId: known.providerMessageId, recorded: true };
  const receipt = await sendThrough(deps, provider, email);
  await recordSend(deps, { messageId: email.messageId, provider, providerMessageId: receipt.providerMessageId });
  return { provider, providerMessageId: receipt.providerMessageId, recorded: false };
}

export async function recordSend(deps: ActivityDeps, entry: { messageId: string; provider: ProviderName; providerMessageId?: string }): Promise<void> {
  await deps.ledger?.record(entry).catch((err: unknown) => {
    Context.current().log.warn('the send ledger did not record an accepted email', { messageId: entry.messageId, error: String(err) });
  });
}

/** Heartbeats let Temporal notice a dead worker in seconds instead of at the start-to-close timeout. */
export async function heartbeating<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}
