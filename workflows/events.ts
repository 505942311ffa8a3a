// Effects of delivery events, one small workflow each so that every one is retried by Temporal and
// visible in the Web UI: a webhook delivery (one per webhook-id), an SNS subscription confirmation,
// and a mirror of a suppression into SES's account-level list.
import { proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks.js';
import type { WebhookInput } from '../src/webhooks/types.js';

/**
 * Retried with backoff for the whole window (3 days by default); the event, its webhook-id with it,
 * is fixed in this workflow's input, so every attempt carries the same id.
 */
export async function WebhookDeliveryWorkflow({ event, retry }: WebhookInput): Promise<{ delivered: true; status: number }> {
  const { deliverWebhook } = proxyActivities<WebhookActivities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: retry.windowMs,
    retry: { initialInterval: retry.initialIntervalMs, backoffCoefficient: 2, maximumInterval: '1 hour' },
  });
  const { status } = await deliverWebhook({ event });
  return { delivered: true, status };
}

const effects = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export async function ConfirmSnsSubscriptionWorkflow(input: { subscribeUrl: string; topicArn: string }): Promise<void> {
  await effects.confirmSnsSubscription(input);
}

export async function MirrorSesSuppressionWorkflow(input: { address: string; reason: 'bounce' | 'complaint' }): Promise<void> {
  await effects.mirrorSesSuppression(input);
}
