import { ApplicationFailure, condition, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { messageIdFor, recipientDomain, type EmailStatus, type SendEmailInput } from '../src/shared.js';
import { deliver } from './deliver.js';
import { cancelSignal, cancelUpdate, statusQuery } from './definitions.js';
import { attemptsOf, rootFailure } from './failures.js';
import { tag, taggedAtStart } from './search.js';
import { announce, SUPPRESSION_PATCH } from './announce.js';

const { planDelivery } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });
const CANCELLABLE = new Set(['queued', 'scheduled', 'enhancing']);

export async function SendEmailWorkflow(input: SendEmailInput): Promise<EmailStatus> {
  const id = workflowInfo().workflowId;
  const status: EmailStatus = {
    id,
    state: input.sendAt ? 'scheduled' : 'queued',
    to: input.to,
    subject: input.subject,
    sendAt: input.sendAt,
    messageId: '',
    enhancement: { used: input.enhance && !input.html ? 'gemini' : 'none' },
    attempts: 0,
  };
  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    status.state = 'cancelled';
    return status;
  };
  setHandler(statusQuery, () => status);
  setHandler(cancelSignal, () => {
    if (CANCELLABLE.has(status.state)) cancel();
  });
  setHandler(
    cancelUpdate,
    cancel,
    {
      validator: () => {
        if (!CANCELLABLE.has(status.state)) throw ApplicationFailure.nonRetryable(`the email is already ${status.state}`, 'NotCancellable');
      },
    },
  );

  const plan = await planDelivery();
  status.messageId = messageIdFor(id, plan.messageIdDomain);
  if (!taggedAtStart('MailKind')) tag(plan, { MailKind: 'message', MailRecipientDomain: recipientDomain(input.to) });

  if (input.sendAt) {
    // A durable timer: survives worker and server restarts; a cancel wakes it early.
    const wait = Date.parse(input.sendAt) - Date.now();
    if (wait > 0) await condition(() => cancelled, wait);
  }
  if (cancelled) {
    tag(plan, { MailOutcome: 'cancelled' });
    await announce(plan, 'email.cancelled', webhookData(status));
    return status;
  }

  let html = input.html;
  if (input.enhance && !html) {
    if (!plan.enhancerAvailable) {
      status.enhancement = { used: 'fallback', reason: 'GEMINI_API_KEY is not set' };
    } else {
      status.state = 'enhancing';
      const { enhanceEmail } = proxyActivities<Activities>({
        startToCloseTimeout: plan.geminiTimeoutMs + 10_000,
        retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: plan.geminiMaxAttempts },
      });
      try {
        html = (await enhanceEmail({ workflowId: id, subject: input.subject, text: input.text })).html;
      } catch (err) {
        // Gemini never blocks an email: the plain-text rendering goes out instead.
        status.enhancement = { used: 'fallback', reason: rootFailure(err).message };
      }
    }
  }
  if (cancelled) {
    tag(plan, { MailOutcome: 'cancelled' });
    await announce(plan, 'email.cancelled', webhookData(status));
    return status;
  }

  status.state = 'sending';
  try {
    const result = await deliver(plan, { to: input.to, subject: input.subject, text: input.text, html });
    Object.assign(status, result, { state: 'sent', sentAt: new Date().toISOString() });
    tag(plan, { MailProvider: result.provider, MailOutcome: 'sent' });
    await announce(plan, 'email.sent', webhookData(status));
    return status;
  } catch (err) {
    const failure = rootFailure(err);
    if (failure.type === 'Suppressed' && patched(SUPPRESSION_PATCH)) {
      // Not sent and never retried: the address is on the suppression list. The workflow completes.
      const found = (failure.details?.[0] as { suppression?: { reason: string; createdAt?: string } } | undefined)?.suppression;
      delete status.lastError;
      Object.assign(status, { state: 'suppressed', error: { message: failure.message, type: 'Suppressed' }, suppression: { reason: found?.reason ?? 'unknown', since: found?.createdAt } });
      tag(plan, { MailOutcome: 'suppressed' });
      await announce(plan, 'email.suppressed', webhookData(status));
      return status;
    }
    const primaryFailure = (failure.details?.[0] as { primaryFailure?: EmailStatus['primaryFailure'] } | undefined)?.primaryFailure;
    Object.assign(status, {
      state: 'failed',
      attempts: attemptsOf(err) ?? status.attempts,
      error: { message: failure.message, type: failure.type },
      ...(primaryFailure ? { primaryFailure } : {}),
    });
    tag(plan, { MailProvider: plan.fallback ?? plan.primary, MailOutcome: 'failed' });
    await announce(plan, 'email.failed', webhookData(status));
    // Failing the workflow shows the email as Failed in the Web UI; details keep the full status.
    throw ApplicationFailure.create({ message: failure.message, type: 'EmailFailed', nonRetryable: true, details: [status] });
  }
}

/** What a webhook says about an email: its id, Message-ID, recipient and outcome, never its content. */
function webhookData(s: EmailStatus): Record<string, unknown> {
  return {
    email_id: s.id,
    message_id: s.messageId || null,
    to: s.to,
    state: s.state,
    provider: s.provider ?? null,
    provider_message_id: s.providerMessageId ?? null,
    ...(s.error ? { error: s.error } : {}),
    ...(s.suppression ? { suppression: s.suppression } : {}),
  };
}
