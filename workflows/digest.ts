import { ApplicationFailure, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { recipientDomain, type DigestInput, type DigestOutcome } from '../src/shared.js';
import { deliver } from './deliver.js';
import { rootFailure } from './failures.js';
import { tag } from './search.js';

const { buildDigest } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { markTasksNotified } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * Digest mode: one email listing an owner's due tasks. Its workflow id is `digest-<owner>`, so at most
 * one digest per owner runs at a time; it marks its tasks before it completes, so the next digest
 * cannot list them again. Each run has its own Message-ID (workflow id plus run id).
 */
export async function OwnerDigestWorkflow({ ownerId, windowStart, windowEnd, plan }: DigestInput): Promise<DigestOutcome> {
  tag(plan, { MailKind: 'digest' });
  const { tasks, email } = await buildDigest({ ownerId, windowStart, windowEnd });
  if (!email) return { taskIds: [], marked: 0 };
  const info = workflowInfo();
  let messageId: string;
  try {
    tag(plan, { MailRecipientDomain: recipientDomain(email.to) });
    const result = await deliver(plan, email, `${info.workflowId}-${info.runId}`);
    messageId = result.messageId;
    tag(plan, { MailProvider: result.provider, MailOutcome: 'sent' });
  } catch (err) {
    tag(plan, { MailOutcome: 'failed' });
    throw ApplicationFailure.create({ message: rootFailure(err).message, type: 'DigestFailed', nonRetryable: true, details: [tasks.map((t) => t.taskId)] });
  }
  const { marked } = await markTasksNotified({ tasks });
  return { taskIds: tasks.map((t) => t.taskId), messageId, marked };
}
