// The suppression list in the send path. Every send of every kind (messages, batches, reminders,
// digests) goes through sendThrough() in deps.ts, which calls these two: the check before the provider
// is asked, and the note after an SMTP 5xx that names the recipient.
import { Context } from '@temporalio/activity';
import type { SendKind, Suppression, SuppressionStore } from '../src/db/suppressions.js';
import { bareAddress } from '../src/events/ses-event.js';
import { MailError } from '../src/mail/types.js';
import { unsubscribeHeaders } from '../src/unsubscribe/token.js';

/** Permanent: the email is not sent and not retried; the workflow shows state `suppressed`. */
export class SuppressedError extends MailError {
  constructor(readonly suppression: Suppression) {
    super(`${suppression.address} is on the suppression list (${suppression.reason}, since ${suppression.createdAt})`, 'Suppressed', true);
  }
}

export interface SuppressionDeps {
  suppressions?: SuppressionStore;
  /** With SES as provider: mirror an addition into the account-level list (PutSuppressedDestination). */
  mirrorSuppression?: (address: string, reason: 'bounce' | 'complaint') => Promise<void>;
  unsubscribe?: { secret: string; baseUrl: string };
}

/** What is being sent, told by the workflow that sends it. */
export function sendKind(): SendKind {
  const type = Context.current().info.workflowType ?? '';
  if (type === 'TaskReminderWorkflow' || type === 'DueTaskSweepWorkflow') return 'reminder';
  if (type === 'OwnerDigestWorkflow') return 'digest';
  return 'message';
}

/**
 * Throws SuppressedError when `to` must not get this kind of email. A list that cannot be read (its
 * database is down) is a transient failure of this send: nothing was sent, and the send is retried
 * (a sweep hands the reminder to its own workflow) instead of failing everything around it.
 */
export async function checkSuppression(deps: SuppressionDeps, to: string, kind: SendKind, known?: SuppressionLookup): Promise<void> {
  let found: Suppression | undefined;
  try {
    found = known ? known(to) : await deps.suppressions?.find(to, kind);
  } catch (err) {
    throw new MailError(`the suppression list could not be read (${(err as Error).message}); not sent, retried later`, 'SuppressionListUnavailable', false);
  }
  if (found) {
    Context.current().metricMeter.createCounter('mailer_emails_suppressed', 'emails', 'Sends refused by the suppression list').add(1, { kind, reason: found.reason });
    throw new SuppressedError(found);
  }
}

/** The suppression list as read once for a whole page or batch: the answer for one recipient. */
export type SuppressionLookup = (to: string) => Suppression | undefined;

/**
 * The list for all of a page's or batch's recipients in one statement, read right before its sends
 * start (an address suppressed while they run is caught from the next page on). Undefined without a
 * list, or when it cannot be read: each send then asks for itself, and fails as it would alone.
 */
export async function readSuppressions(deps: SuppressionDeps, recipients: string[], kind: SendKind): Promise<SuppressionLookup | undefined> {
  if (!deps.suppressions || !recipients.length) return undefined;
  try {
    const found = await deps.suppressions.findMany(recipients, kind);
    return (to) => found.get(bareAddress(to));
  } catch {
    return undefined;
  }
}

/** RFC 8058 one-click unsubscribe on reminders and digests, when UNSUBSCRIBE_SECRET is set. */
export function listHeaders(deps: SuppressionDeps, to: string, kind: SendKind): Record<string, string> | undefined {
  return kind !== 'message' && deps.unsubscribe ? unsubscribeHeaders(deps.unsubscribe, to) : undefined;
}

// 5.1.x: bad destination mailbox / address; 5.2.1: mailbox disabled (RFC 3463). Not policy or content refusals.
const RECIPIENT_UNKNOWN = /\b5\.(1\.(0|1|2|3|6|10)|2\.1)\b/;

/** An SMTP 5xx about the recipient itself (550 5.1.1 and kin) suppresses the address for every email. */
export async function noteRejection(deps: SuppressionDeps, to: string, err: MailError): Promise<void> {
  if (!deps.suppressions || !/^SmtpPermanent5\d\d$/.test(err.type) || !RECIPIENT_UNKNOWN.test(err.message)) return;
  try {
    const added = await deps.suppressions.add({ address: bareAddress(to), scope: 'all', reason: 'smtp_rejected', source: 'smtp', detail: err.message.slice(0, 500) });
    if (added) Context.current().log.info('recipient suppressed after an SMTP rejection', { reason: 'smtp_rejected', type: err.type });
  } catch (dbErr) {
    // The rejection itself stands (the send failed for good); only its note on the list is lost.
    Context.current().log.warn('could not add the rejected recipient to the suppression list', { error: (dbErr as Error).message, type: err.type });
  }
}

/** What a Suppressed failure carries to the workflow, which shows it in the email's status. */
export function suppressionDetail(err: unknown): { suppression?: Suppression } {
  return err instanceof SuppressedError ? { suppression: err.suppression } : {};
}
