import { ApplicationFailure, patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { messageIdFor, recipientDomain, SUPPRESSION_PATCH, type ReminderInput, type ReminderOutcome } from '../src/shared.js';
import { announce } from './announce.js';
import { deliver } from './deliver.js';
import { rootFailure } from './failures.js';
import { tag } from './search.js';

// Local: one short UPDATE needs no round trip through the server. No attempt limit: a database
// outage delays the mark, it must not lose it.
const { markTaskNotified, releaseHandOff } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * One reminder, keyed by task id and due time (its workflow id). The send is recorded in history
 * before the mark runs, so a crash between the two resumes with the mark, never a second send.
 */
export async function TaskReminderWorkflow({ task, email, plan }: ReminderInput): Promise<ReminderOutcome> {
  tag(plan, { MailKind: 'reminder', MailRecipientDomain: recipientDomain(email.to) });
  let messageId: string;
  try {
    const result = await deliver(plan, email);
    messageId = result.messageId;
    tag(plan, { MailProvider: result.provider, MailOutcome: 'sent' });
  } catch (err) {
    const failure = rootFailure(err);
    if (failure.type === 'Suppressed' && patched(SUPPRESSION_PATCH)) {
      // The owner is on the suppression list: nothing was sent, and the task is marked so that no
      // later sweep picks this reminder again.
      tag(plan, { MailOutcome: 'suppressed' });
      const { marked } = await markTaskNotified({ taskId: task.taskId, dueAt: task.dueAt, messageId: messageIdFor(workflowInfo().workflowId, plan.messageIdDomain) });
      const reason = (failure.details?.[0] as { suppression?: { reason?: string } } | undefined)?.suppression?.reason;
      await announce(plan, 'email.suppressed', { ...about(task, email.to, plan), state: 'suppressed', suppression: { reason: reason ?? 'unknown' } });
      return { outcome: 'suppressed', reason, marked };
    }
    tag(plan, { MailOutcome: 'failed' });
    await announce(plan, 'email.failed', { ...about(task, email.to, plan), state: 'failed', error: { message: failure.message, type: failure.type } });
    // Failed, not completed: the Web UI shows why, and a later sweep may try this task again.
    await releaseHandOff({ taskId: task.taskId, dueAt: task.dueAt });
    throw ApplicationFailure.create({ message: failure.message, type: 'ReminderFailed', nonRetryable: true });
  }
  await announce(plan, 'email.sent', { ...about(task, email.to, plan), message_id: messageId, state: 'sent' });
  const { marked } = await markTaskNotified({ taskId: task.taskId, dueAt: task.dueAt, messageId });
  return { outcome: 'sent', messageId, marked };
}

/** What a reminder's webhook says about it: ids and recipient, never its content. */
function about(task: ReminderInput['task'], to: string, plan: ReminderInput['plan']): Record<string, unknown> {
  const id = workflowInfo().workflowId;
  return { email_id: id, kind: 'reminder', task_id: task.taskId, to, message_id: messageIdFor(id, plan.messageIdDomain) };
}
