import { ActivityFailure, ApplicationFailure, condition, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { FIRST_ATTEMPT_PATCH, messageIdFor, SUPPRESSION_PATCH, recipientDomain, type DeliveryPlan, type EmailStatus, type SendEmailInput } from '../src/shared.js';
import { deliver, type PriorAttempt } from './deliver.js';
import { cancelSignal, cancelUpdate, statusQuery } from './definitions.js';
import { attemptsOf, rootFailure } from './failures.js';
import { tag, taggedAtStart } from './search.js';
import { announce } from './announce.js';
import { vouchedOrPatched } from './patches.js';

const { planDelivery } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });
// One try, no local retries: a failure goes to the regular activity, whose retries the server keeps.
// A worker that dies mid-send is noticed at the workflow task timeout (10 s, like the heartbeat's),
// and the retried task finds the send in the ledger if the provider had accepted it.
const { firstSendAttempt } = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });
/** Until the send begins. A function, not a module-level Set: workflows share their modules. */
const cancellable = (state: EmailStatus['state']) => state === 'queued' || state === 'scheduled' || state === 'enhancing';

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
    if (cancellable(status.state)) cancel();
  });
  setHandler(
    cancelUpdate,
    cancel,
    {
      validator: () => {
        if (!cancellable(status.state)) throw ApplicationFailure.nonRetryable(`the email is already ${status.state}`, 'NotCancellable');
      },
    },
  );

  // An email due now with nothing to enhance: the first attempt runs in the first workflow task.
  if (!input.sendAt && !(input.enhance && !input.html) && vouchedOrPatched(FIRST_ATTEMPT_PATCH, input.knownPatches)) {
    // A cancel that came before any worker ran is a job of this same activation, handled after this
    // function's first step: yield once (no command) so that it is seen before anything is sent; a
    // cancelled email takes the regular path, which records and announces the cancellation.
    await Promise.resolve();
    if (!cancelled) return sendNow(input, status);
  }

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
    await announce(plan, 'email.cancelled', webhookData(status), input.knownPatches);
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
    await announce(plan, 'email.cancelled', webhookData(status), input.knownPatches);
    return status;
  }

  return send(plan, { ...input, html }, status);
}

/** The nonRetryable flag of a local activity's failure: a permanent provider error. */
function permanent(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.nonRetryable === true;
}

async function sendNow(input: SendEmailInput, status: EmailStatus): Promise<EmailStatus> {
  const id = status.id;
  status.state = 'sending';
  const email = { to: input.to, subject: input.subject, text: input.text, html: input.html };
  let plan: DeliveryPlan;
  let prior: PriorAttempt | undefined;
  try {
    // The ledger is asked every time: a task that runs again after its worker died cannot tell (its
    // history length is that of a first task), and that is when the lookup matters.
    const first = await firstSendAttempt({ workflowId: id, ...email });
    plan = first.plan;
    status.messageId = first.messageId;
    if (!taggedAtStart('MailKind')) tag(plan, { MailKind: 'message', MailRecipientDomain: recipientDomain(input.to) });
    if (first.sent) {
      const { provider, providerMessageId, messageId, attempt } = first.sent;
      Object.assign(status, { provider, providerMessageId, messageId, attempts: attempt, state: 'sent', sentAt: new Date().toISOString() });
      tag(plan, { MailProvider: provider, MailOutcome: 'sent' });
      await announce(plan, 'email.sent', webhookData(status), input.knownPatches);
      return status;
    }
  } catch (err) {
    const details = rootFailure(err).details?.[0] as { plan?: DeliveryPlan } | undefined;
    plan = details?.plan ?? (await planDelivery());
    status.messageId = messageIdFor(id, plan.messageIdDomain);
    status.attempts = 1;
    status.lastError = rootFailure(err).message;
    if (!taggedAtStart('MailKind')) tag(plan, { MailKind: 'message', MailRecipientDomain: recipientDomain(input.to) });
    // Without a plan in the failure, nothing was sent: the regular activity makes every attempt.
    if (details?.plan) prior = { error: err, permanent: permanent(err) };
  }
  return send(plan, { ...email, knownPatches: input.knownPatches }, status, prior);
}

async function send(plan: DeliveryPlan, email: Omit<SendEmailInput, 'enhance' | 'sendAt'>, status: EmailStatus, prior?: PriorAttempt): Promise<EmailStatus> {
  const input = email;
  status.state = 'sending';
  try {
    const result = await deliver(plan, { to: input.to, subject: input.subject, text: input.text, html: input.html }, undefined, prior);
    delete status.lastError;
    Object.assign(status, result, { state: 'sent', sentAt: new Date().toISOString() });
    tag(plan, { MailProvider: result.provider, MailOutcome: 'sent' });
    await announce(plan, 'email.sent', webhookData(status), input.knownPatches);
    return status;
  } catch (err) {
    const failure = rootFailure(err);
    if (failure.type === 'Suppressed' && vouchedOrPatched(SUPPRESSION_PATCH, input.knownPatches)) {
      // Not sent and never retried: the address is on the suppression list. The workflow completes.
      const found = (failure.details?.[0] as { suppression?: { reason: string; createdAt?: string } } | undefined)?.suppression;
      delete status.lastError;
      Object.assign(status, { state: 'suppressed', error: { message: failure.message, type: 'Suppressed' }, suppression: { reason: found?.reason ?? 'unknown', since: found?.createdAt } });
      tag(plan, { MailOutcome: 'suppressed' });
      await announce(plan, 'email.suppressed', webhookData(status), input.knownPatches);
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
    await announce(plan, 'email.failed', webhookData(status), input.knownPatches);
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
