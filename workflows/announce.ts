import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, WorkflowIdReusePolicy, workflowInfo } from '@temporalio/workflow';
import { WEBHOOKS_PATCH, type DeliveryPlan } from '../src/shared.js';
import { webhookWorkflowId, type WebhookEventType } from '../src/webhooks/types.js';
import { WebhookDeliveryWorkflow } from './events.js';
import { vouchedOrPatched } from './patches.js';

/**
 * Tells the webhook endpoint about a state change: a WebhookDeliveryWorkflow of its own, abandoned by
 * this one (it retries for days after this email finished). Its id is the webhook-id's, so a replayed
 * or repeated announcement starts nothing twice.
 */
export async function announce(
  plan: Pick<DeliveryPlan, 'webhooks'>,
  type: WebhookEventType,
  data: Record<string, unknown>,
  /** The starter's `knownPatches` (SendEmailWorkflow's input); reminders and digests have none. */
  knownPatches?: readonly string[],
): Promise<void> {
  if (!plan.webhooks || !vouchedOrPatched(WEBHOOKS_PATCH, knownPatches)) return;
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
