import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, patched, startChild, WorkflowIdReusePolicy, workflowInfo } from '@temporalio/workflow';
import type { DeliveryPlan } from '../src/shared.js';
import { webhookWorkflowId, type WebhookEventType } from '../src/webhooks/types.js';
import { WebhookDeliveryWorkflow } from './events.js';

/** Guards the webhook child starts added to workflows that existed before webhooks (issue 11). */
export const WEBHOOKS_PATCH = 'webhooks-v1';
/** Guards the `suppressed` outcome (an email to a suppressed address completes instead of failing). */
export const SUPPRESSION_PATCH = 'suppression-v1';

/**
 * Tells the webhook endpoint about a state change: a WebhookDeliveryWorkflow of its own, abandoned by
 * this one (it retries for days after this email finished). Its id is the webhook-id's, so a replayed
 * or repeated announcement starts nothing twice.
 */
export async function announce(plan: Pick<DeliveryPlan, 'webhooks'>, type: WebhookEventType, data: Record<string, unknown>): Promise<void> {
  if (!plan.webhooks || !patched(WEBHOOKS_PATCH)) return;
  const info = workflowInfo();
  const id = `${info.workflowId}.${info.runId}.${type}`;
  try {
    await startChild(WebhookDeliveryWorkflow, {
      workflowId: webhookWorkflowId(id),
      args: [{ event: { id, type, timestamp: new Date().toISOString(), data }, retry: plan.webhooks }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
