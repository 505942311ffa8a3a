// The single-message path's activities: the delivery plan and one send attempt.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { suppressionDetail } from './suppression.js';
import { MailError } from '../src/mail/types.js';
import { messageIdFor, type DeliveryPlan, type ProviderName, type RenderedEmail } from '../src/shared.js';
import { heartbeating, sendRecorded, type ActivityDeps } from './deps.js';

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

/** The first attempt's answer: the plan it read, and the send's result unless the primary is paced. */
export interface FirstAttemptResult {
  plan: DeliveryPlan;
  messageId: string;
  sent?: SendEmailActivityResult;
}

export function sendActivities(deps: ActivityDeps) {
  const planDelivery = async (): Promise<DeliveryPlan> => ({ ...deps.plan, enhancerAvailable: !!deps.enhancer });
  return {
    planDelivery,

    /**
     * The single path's first attempt, run as a local activity: it reads the plan and sends through
     * the primary, so an email that goes out at once costs one workflow task and one marker. A paced
     * primary sends nothing here (its queue sets the pace). A failure carries the plan and the
     * attempt; the workflow then retries with the regular activity and its server-side policy.
     */
    async firstSendAttempt(input: { workflowId: string } & RenderedEmail): Promise<FirstAttemptResult> {
      const plan = await planDelivery();
      const messageId = messageIdFor(input.workflowId, plan.messageIdDomain);
      // Not attempted here (the regular activity makes every attempt) when the provider is paced, or
      // when this worker has no send ledger: without one, a worker that dies after the provider's answer
      // leaves the retried task nothing to find, and a local activity's window (until the workflow task
      // completes) is wider than an activity's (until its completion is reported).
      if (plan.sendTaskQueues?.[plan.primary] || !deps.ledger) return { plan, messageId };
      const { to, subject, text, html } = input;
      try {
        const r = await sendRecorded(deps, plan.primary, { to, subject, text, html, messageId });
        return { plan, messageId, sent: { provider: r.provider, providerMessageId: r.providerMessageId, messageId, attempt: 1 } };
      } catch (err) {
        const e = err instanceof MailError ? err : undefined;
        throw ApplicationFailure.create({
          message: e?.message ?? String(err),
          type: e?.type ?? 'FirstAttemptError',
          nonRetryable: e?.permanent ?? false,
          details: [{ attempt: 1, plan, messageId, ...suppressionDetail(err) }],
        });
      }
    },

    async sendEmail(input: SendEmailActivityInput): Promise<SendEmailActivityResult> {
      const { attempt } = Context.current().info;
      const { provider, messageId, to, subject, text, html } = input;
      try {
        const receipt = await heartbeating(() => sendRecorded(deps, provider, { to, subject, text, html, messageId }));
        return { provider: receipt.provider, providerMessageId: receipt.providerMessageId, messageId, attempt };
      } catch (err) {
        if (!(err instanceof MailError)) throw err;
        // The attempt travels with the failure: the workflow reports it after retries end.
        throw ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: err.permanent, details: [{ attempt, ...suppressionDetail(err) }] });
      }
    },
  };
}
