// What the API starts in Temporal after an SNS message is recorded: each effect a workflow with an id
// derived from what caused it, so a redelivered SNS message or a retried request starts nothing twice.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Suppression } from '../db/suppressions.js';
import { webhookWorkflowId, type WebhookEvent, type WebhookRetry } from '../webhooks/types.js';

export interface EventEffects {
  confirmSubscription(input: { messageId: string; subscribeUrl: string; topicArn: string }): Promise<void>;
  webhook(event: WebhookEvent): Promise<void>;
  /** `since`: when the suppression was written; each suppression of an address is mirrored once. */
  mirrorSuppression(address: string, reason: 'bounce' | 'complaint', since: string): Promise<void>;
}

/**
 * One per suppression: an address removed (here and in SES) and suppressed again later is mirrored again,
 * while a retried request or a redelivered SNS message starts nothing twice.
 */
export function mirrorWorkflowId(address: string, reason: 'bounce' | 'complaint', since: string): string {
  return `ses-suppression-${address}-${reason}-${Date.parse(since)}`;
}

/**
 * Which suppressions SES's account-level list is told of, and as what: bounces and complaints, and a
 * soft bounce (the address stopped answering) as a bounce. The rule for every way a suppression comes
 * in (an SES event, PUT /suppressions).
 */
export function mirrorSuppressionOf(effects: Pick<EventEffects, 'mirrorSuppression'>, s: Pick<Suppression, 'address' | 'reason' | 'createdAt'>): Promise<void> {
  if (s.reason === 'complaint') return effects.mirrorSuppression(s.address, 'complaint', s.createdAt);
  if (s.reason === 'bounce' || s.reason === 'soft_bounce') return effects.mirrorSuppression(s.address, 'bounce', s.createdAt);
  return Promise.resolve();
}

export function createEventEffects(client: Client, opts: { taskQueue: string; webhooks?: WebhookRetry; sesMirror: boolean; timeoutMs: number }): EventEffects {
  async function start(type: string, workflowId: string, args: unknown[]) {
    try {
      await client.withDeadline(Date.now() + opts.timeoutMs, () =>
        client.workflow.start(type, { workflowId, taskQueue: opts.taskQueue, args, workflowIdReusePolicy: 'REJECT_DUPLICATE' }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  return {
    confirmSubscription: ({ messageId, subscribeUrl, topicArn }) => start('ConfirmSnsSubscriptionWorkflow', `sns-confirm-${messageId}`, [{ subscribeUrl, topicArn }]),
    async webhook(event) {
      if (opts.webhooks) await start('WebhookDeliveryWorkflow', webhookWorkflowId(event.id), [{ event, retry: opts.webhooks }]);
    },
    async mirrorSuppression(address, reason, since) {
      if (opts.sesMirror) await start('MirrorSesSuppressionWorkflow', mirrorWorkflowId(address, reason, since), [{ address, reason }]);
    },
  };
}
