// Outbound effects of delivery events, each an activity so that Temporal retries it: a Standard
// Webhooks POST, the SNS subscription confirmation, and SES's account-level suppression list.
import { request, type Agent } from 'node:https';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isSnsUrl } from '../src/events/sns-verify.js';
import { signWebhook } from '../src/webhooks/sign.js';
import { webhookWorkflowId, type WebhookEvent, type WebhookEventType, type WebhookRetry } from '../src/webhooks/types.js';

export interface WebhookDeps {
  webhook?: { url: string; secret: string };
  /** Test-only agent (private CA, local address) for SNS URLs; absent: Node's own. */
  snsAgent?: Agent;
  /** SES v2 PutSuppressedDestination, when SES is a provider. */
  putSesSuppression?: (address: string, reason: 'BOUNCE' | 'COMPLAINT') => Promise<void>;
}

const TIMEOUT_MS = 15_000;

function get(url: string, agent: Agent | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent, timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

export function webhookActivities(deps: WebhookDeps) {
  return {
    /** One signed POST; any answer but 2xx is retried by Temporal with the same webhook-id. */
    async deliverWebhook(input: { event: WebhookEvent }): Promise<{ status: number }> {
      if (!deps.webhook) throw ApplicationFailure.nonRetryable('WEBHOOK_URL is not set on this worker', 'WebhookDisabled');
      const { id, ...rest } = input.event;
      const signed = signWebhook(deps.webhook.secret, id, JSON.stringify(rest));
      const res = await fetch(deps.webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signed.headers },
        body: signed.body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (!res.ok) throw ApplicationFailure.retryable(`the webhook endpoint answered ${res.status}`, 'WebhookRefused');
      Context.current().log.info('webhook delivered', { webhookId: id, type: rest.type, status: res.status });
      return { status: res.status };
    },

    /** Confirms an SNS subscription by fetching its SubscribeURL (already verified as SNS's). */
    async confirmSnsSubscription(input: { subscribeUrl: string; topicArn: string }): Promise<void> {
      if (!isSnsUrl(input.subscribeUrl)) throw ApplicationFailure.nonRetryable('SubscribeURL is not an https URL of an SNS host', 'NotSns');
      const status = await get(input.subscribeUrl, deps.snsAgent);
      if (status < 200 || status >= 300) throw ApplicationFailure.retryable(`SNS answered ${status} to the confirmation`, 'SnsConfirmFailed');
      Context.current().log.info('SNS subscription confirmed', { topicArn: input.topicArn });
    },

    async mirrorSesSuppression(input: { address: string; reason: 'bounce' | 'complaint' }): Promise<void> {
      if (!deps.putSesSuppression) return;
      await deps.putSesSuppression(input.address, input.reason === 'complaint' ? 'COMPLAINT' : 'BOUNCE');
    },
  };
}

export type WebhookActivities = ReturnType<typeof webhookActivities>;

/**
 * For sends made inside an activity (the sweep's batch), where no workflow of the email exists: starts
 * the WebhookDeliveryWorkflow from here, through the worker's client. The id is the email's, so a
 * retried batch attempt starts nothing twice. Best effort: a failure to start is logged, never
 * allowed to fail a page that was already sent.
 */
export async function announceFromActivity(plan: { webhooks?: WebhookRetry }, emailId: string, type: WebhookEventType, data: Record<string, unknown>): Promise<void> {
  if (!plan.webhooks) return;
  const ctx = Context.current();
  const id = `${emailId}.${type}`;
  const event: WebhookEvent = { id, type, timestamp: new Date().toISOString(), data: { email_id: emailId, ...data } };
  try {
    await ctx.client.workflow.start('WebhookDeliveryWorkflow', {
      workflowId: webhookWorkflowId(id),
      taskQueue: ctx.info.taskQueue,
      args: [{ event, retry: plan.webhooks }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') return;
    ctx.log.warn('webhook not started', { webhookId: id, error: (err as Error).message });
  }
}
