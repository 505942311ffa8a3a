// Names and types shared by the API, the worker and the workflows. Workflow code imports this
// file, so it must stay free of I/O and of Node-only modules.
import type { WebhookRetry } from './webhooks/types.js';

export const SCHEDULE_ID = 'due-task-sweep';
export const MESSAGE_ID_PREFIX = 'message-';
export const REMINDER_ID_PREFIX = 'reminder-';

/** Characters allowed in an Idempotency-Key, so that it can stand inside a workflow id and a Message-ID. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._~:-]{1,200}$/;

export function messageWorkflowId(idempotencyKey: string): string {
  return `${MESSAGE_ID_PREFIX}${idempotencyKey}`;
}

/** A reminder is keyed by task and due time: a rescheduled task is reminded again, once. */
export function reminderWorkflowId(taskId: string | number, dueAt: string): string {
  return `${REMINDER_ID_PREFIX}${taskId}-${new Date(dueAt).getTime()}`;
}

/**
 * Neither SMTP nor SES can make a send idempotent, so every email carries a Message-ID derived
 * from its workflow id: a send retried after a crash repeats it and can be recognised downstream.
 */
export function messageIdFor(workflowId: string, domain: string): string {
  // Injective and a valid dot-atom: every character outside [A-Za-z0-9_~-] (dots included) becomes =XX.
  const local = workflowId.replace(/[^A-Za-z0-9_~-]/g, (c) =>
    [...new TextEncoder().encode(c)].map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  return `<${local}@${domain}>`;
}

/**
 * Keyword search attributes on every workflow, so the Web UI and `temporal workflow list --query`
 * can filter: MailKind (message, reminder, digest, sweep), MailProvider (smtp, ses), MailOutcome
 * (sent, failed, cancelled, suppressed), MailRecipientDomain (example.com).
 */
export const SEARCH_ATTRIBUTE_NAMES = ['MailKind', 'MailProvider', 'MailOutcome', 'MailRecipientDomain'] as const;

/** The task queue of a paced provider's sends. */
export function sendTaskQueue(taskQueue: string, provider: ProviderName): string {
  return `${taskQueue}-send-${provider}`;
}

export function recipientDomain(address: string): string {
  // `Name <a@example.com>` as well as `a@example.com`; a plain address reads as it always did.
  const bare = /<([^<>]*)>\s*$/.exec(address)?.[1] ?? address;
  return (bare.split('@').pop() ?? '').toLowerCase();
}
export type SearchAttributeName = (typeof SEARCH_ATTRIBUTE_NAMES)[number];

/** What the worker's configuration says about delivery; read once per workflow run. */
export interface DeliveryPlan {
  primary: ProviderName;
  fallback?: ProviderName;
  messageIdDomain: string;
  sendRetryWindowMs: number;
  /** 0: unlimited within sendRetryWindowMs. */
  sendMaxAttempts: number;
  primaryMaxAttempts: number;
  enhancerAvailable: boolean;
  geminiMaxAttempts: number;
  geminiTimeoutMs: number;
  /** Paced providers: their sends go to this task queue, whose rate the server enforces. */
  sendTaskQueues?: Partial<Record<ProviderName, string>>;
  /** Whether the namespace has the Mail* search attributes (upserting unknown ones fails a workflow). */
  searchAttributes?: boolean;
  /** WEBHOOK_URL is set: state changes are announced, with these retries. */
  webhooks?: WebhookRetry;
}

export interface RenderedEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export type EmailState = 'queued' | 'scheduled' | 'enhancing' | 'sending' | 'sent' | 'failed' | 'cancelled' | 'suppressed';
export type ProviderName = 'smtp' | 'ses';

export interface SendEmailInput {
  to: string;
  subject: string;
  text: string;
  enhance: boolean;
  /** ISO 8601; the email waits durably until then. */
  sendAt?: string;
  /** Pre-rendered HTML (reminders); skips enhancement. */
  html?: string;
  /**
   * `patched()` ids that every worker able to run this email already has, as its starter vouches (the
   * API sets {@link KNOWN_PATCHES}): the workflow takes those branches without recording a patch marker.
   */
  knownPatches?: readonly string[];
}

/** patched() id of the single path's first attempt as a local activity (issue 12). */
export const FIRST_ATTEMPT_PATCH = 'send-first-attempt-local';
/** patched() id guarding the webhook child starts added to workflows that existed before webhooks (issue 11). */
export const WEBHOOKS_PATCH = 'webhooks-v1';
/** patched() id guarding the `suppressed` outcome (an email to a suppressed address completes instead of failing). */
export const SUPPRESSION_PATCH = 'suppression-v1';
/**
 * What the API vouches for in each email it starts: the first attempt, and the webhook and suppression
 * branches that came before it (issue 11), so that no patch marker is recorded on any of them. A patch
 * joins this list only in a release after the one that added it, so that every worker that can meet the
 * email already has its branch; a rollback to a release without the patch cannot replay an unmarked
 * email that is still running (README, "A patch the API vouches for").
 */
export const KNOWN_PATCHES: readonly string[] = [FIRST_ATTEMPT_PATCH, WEBHOOKS_PATCH, SUPPRESSION_PATCH];

export interface DeliveryAttempt {
  provider: ProviderName;
  error: string;
  errorType?: string;
}

export interface EnhancementOutcome {
  used: 'gemini' | 'fallback' | 'none';
  reason?: string;
}

export interface DeliveryResult {
  provider: ProviderName;
  providerMessageId?: string;
  messageId: string;
  attempts: number;
  /** The primary's failure when the fallback provider sent the email. */
  primaryFailure?: DeliveryAttempt;
}

export interface EmailStatus {
  id: string;
  state: EmailState;
  to: string;
  subject: string;
  sendAt?: string;
  messageId: string;
  enhancement: EnhancementOutcome;
  provider?: ProviderName;
  providerMessageId?: string;
  attempts: number;
  primaryFailure?: DeliveryAttempt;
  /** While sending: the last failed attempt's error, before retries are over. */
  lastError?: string;
  error?: { message: string; type?: string };
  sentAt?: string;
  /** State `suppressed`: why the address is on the suppression list. */
  suppression?: { reason: string; since?: string };
}

/** A due task as the sweep reads it, with what the reminder needs. */
export interface DueTask {
  taskId: string;
  title: string;
  dueAt: string;
  projectId: string;
  projectName: string;
  ownerId: string;
  ownerEmail: string;
  ownerName: string | null;
}

export interface SweepInput {
  /** Start of the window (ISO). Absent on the first run: taken from the schedule's nominal time. */
  windowStart?: string;
  settings?: SweepSettings;
  /** Keyset cursor carried across continue-as-new. */
  after?: { dueAt: string; taskId: string };
  /** Digest mode's cursor. */
  afterOwnerId?: string;
  totals?: SweepSummary;
}

export interface SweepSummary {
  windowStart: string;
  windowEnd: string;
  found: number;
  /** Sent in batches by this sweep. */
  sent: number;
  /** Handed to a TaskReminderWorkflow of their own (a failed send to retry, or a paced provider). */
  handedOff: number;
  alreadyHandled: number;
  failed: number;
  failures: { taskId: string; error: string }[];
  /** Set when this sweep did nothing because another one was running. */
  skipped?: string;
}

export interface DueReminder {
  task: DueTask;
  email: RenderedEmail;
}

export interface ReminderInput extends DueReminder {
  plan: DeliveryPlan;
}

export interface SweepSettings {
  windowMs: number;
  pageSize: number;
  /** One email per owner listing all their due tasks, instead of one per task. Absent: false. */
  digest?: boolean;
  /** History events after which a sweep continues as new. Absent: 10,000. */
  historyLimit?: number;
}

/**
 * The one running sweep of a deployment (its task queue). Every sweep, scheduled or by hand, runs
 * under this id, so two never send the same page at once.
 */
export function sweepRunWorkflowId(taskQueue: string): string {
  return `${SCHEDULE_ID}-run-${taskQueue}`;
}

export function digestWorkflowId(ownerId: string): string {
  return `digest-${ownerId}`;
}

export interface DigestInput {
  ownerId: string;
  windowStart: string;
  windowEnd: string;
  plan: DeliveryPlan;
}

export type DigestOutcome = { taskIds: string[]; messageId?: string; marked: number; /** The owner is on the suppression list: nothing sent. */ suppressed?: boolean };

export type ReminderOutcome =
  | { outcome: 'sent'; messageId: string; marked: boolean }
  | { outcome: 'failed'; error: string }
  | { outcome: 'suppressed'; reason?: string; marked: boolean };
