import { ParentClosePolicy, proxyActivities, startChild, WorkflowIdReusePolicy, workflowInfo } from '@temporalio/workflow';
// Thrown by startChild when the id is taken; @temporalio/workflow does not re-export it.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities, BatchMessageOutcome } from '../activities/index.js';
import { SendEmailWorkflow } from './send-email.js';

// One activity sends the batch; heartbeats reveal a dead worker in seconds, and a database outage
// is waited out: a retried attempt skips what is settled and finds in the send ledger what was sent.
const { sendMessageBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface BatchSendSummary {
  batchId: string;
  sent: number;
  failed: number;
  cancelled: number;
  handedOff: number;
  /** Each message's outcome, in request order: what the Web UI shows for this batch. */
  messages: BatchMessageOutcome[];
}

/**
 * The messages of one POST /messages request (rows of batch_messages keyed by this workflow's id),
 * sent over the worker's shared clients in one activity instead of a workflow each. A message the
 * batch could not send goes to a SendEmailWorkflow of its own (its id is the message's), which
 * retries it for the retry window with the fallback, as the sweep hands reminders off.
 */
export async function BatchSendWorkflow(): Promise<BatchSendSummary> {
  const batchId = workflowInfo().workflowId;
  const { messages, handOff } = await sendMessageBatch({ batchId });
  await Promise.all(
    handOff.map(async (m) => {
      try {
        await startChild(SendEmailWorkflow, {
          workflowId: m.id,
          args: [{ to: m.to, subject: m.subject, text: m.text, enhance: false }],
          memo: { requestHash: m.requestHash, to: m.to, subject: m.subject, batchId },
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          // The email finishes even when this batch has finished or was terminated.
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
      } catch (err) {
        // Started by an earlier attempt of this batch: the email is on its way.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }),
  );
  const count = (o: BatchMessageOutcome['outcome']) => messages.filter((m) => m.outcome === o).length;
  return { batchId, sent: count('sent'), failed: count('failed'), cancelled: count('cancelled'), handedOff: count('handed_off'), messages };
}
