import { ApplicationFailure, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { recipientDomain, SUPPRESSION_PATCH, type DigestInput, type DigestOutcome } from '../src/shared.js';
import { announce } from './announce.js';
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
    if (rootFailure(err).type === 'Suppressed' && patched(SUPPRESSION_PATCH)) {
      // Unsubscribed or suppressed owner: nothing sent; the tasks are marked so no sweep lists them again.
      tag(plan, { MailOutcome: 'suppressed' });
      const { marked } = await markTasksNotified({ tasks });
      await announce(plan, 'email.suppressed', { email_id: info.workflowId, kind: 'digest', owner_id: ownerId, to: email.to, state: 'suppressed' });
      return { taskIds: tasks.map((t) => t.taskId), marked, suppressed: true };
    }
    tag(plan, { MailOutcome: 'failed' });
    await announce(plan, 'email.failed', { email_id: info.workflowId, kind: 'digest', owner_id: ownerId, to: email.to, state: 'failed', error: { message: rootFailure(err).message } });
    throw ApplicationFailure.create({ message: rootFailure(err).message, type: 'DigestFailed', nonRetryable: true, details: [tasks.map((t) => t.taskId)] });
  }
  await announce(plan, 'email.sent', { email_id: info.workflowId, kind: 'digest', owner_id: ownerId, to: email.to, message_id: messageId, state: 'sent' });
  const { marked } = await markTasksNotified({ tasks });
  return { taskIds: tasks.map((t) => t.taskId), messageId, marked };
}
