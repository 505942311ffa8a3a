// The single-message path's activities: the delivery plan and one send attempt.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { MailError } from '../src/mail/types.js';
import { suppressionDetail } from './suppression.js';
import type { DeliveryPlan, ProviderName } from '../src/shared.js';
import { heartbeating, sendThrough, type ActivityDeps } from './deps.js';

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

export function sendActivities(deps: ActivityDeps) {
  return {
    async planDelivery(): Promise<DeliveryPlan> {
      return { ...deps.plan, enhancerAvailable: !!deps.enhancer };
    },

    async sendEmail(input: SendEmailActivityInput): Promise<SendEmailActivityResult> {
      const { attempt } = Context.current().info;
      const { provider, messageId, to, subject, text, html } = input;
      try {
        const receipt = await heartbeating(() => sendThrough(deps, provider, { to, subject, text, html, messageId }));
        return { provider, providerMessageId: receipt.providerMessageId, messageId, attempt };
      } catch (err) {
        if (!(err instanceof MailError)) throw err;
        // The attempt travels with the failure: the workflow reports it after retries end.
        throw ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: err.permanent, details: [{ attempt, ...suppressionDetail(err) }] });
      }
    },
  };
}
