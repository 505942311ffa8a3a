import {
  ChildWorkflowFailure,
  continueAsNew,
  executeChild,
  log,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
// Thrown by executeChild when the id is taken; @temporalio/workflow does not re-export it.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import {
  digestWorkflowId,
  messageIdFor,
  reminderWorkflowId,
  sweepRunWorkflowId,
  type DeliveryPlan,
  type DueReminder,
  type SweepInput,
  type SweepSettings,
  type SweepSummary,
} from '../src/shared.js';
import { OwnerDigestWorkflow } from './digest.js';
import { rootFailure } from './failures.js';
import { TaskReminderWorkflow } from './reminder.js';
import { tag } from './search.js';

const { findDueOwners } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// A page is sent in one activity; heartbeats reveal a dead worker in seconds, and a database outage
// is waited out (no attempt limit): a retried page skips what the failed attempt already marked.
const { sendReminderBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { planDelivery, sweepSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });
const { markRemindersSent, handOffReminders } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const MAX_FAILURES_KEPT = 100;
const HISTORY_LIMIT = 10_000;

/** T is the schedule's nominal time (also set by `schedule trigger`), else this run's start time. */
function nominalStart(): string {
  const info = workflowInfo();
  const scheduled = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  const when = scheduled instanceof Date ? scheduled : typeof scheduled === 'string' ? new Date(scheduled) : info.startTime;
  return when.toISOString();
}

function noteFailure(totals: SweepSummary, taskId: string, error: string): void {
  totals.failed++;
  if (totals.failures.length < MAX_FAILURES_KEPT) totals.failures.push({ taskId, error });
}

/**
 * Reminders the batch could not send go to a TaskReminderWorkflow each: Temporal retries them for
 * the retry window, with the fallback provider, while this sweep moves on. They are recorded as
 * handed off first, so no later sweep sends them meanwhile.
 */
async function handOff(reminders: DueReminder[], plan: DeliveryPlan, totals: SweepSummary): Promise<void> {
  if (!reminders.length) return;
  const ids = reminders.map((r) => reminderWorkflowId(r.task.taskId, r.task.dueAt));
  await handOffReminders({
    reminders: reminders.map((r, i) => ({ taskId: r.task.taskId, dueAt: r.task.dueAt, messageId: messageIdFor(ids[i]!, plan.messageIdDomain) })),
  });
  await Promise.all(
    reminders.map(async (reminder, i) => {
      try {
        await startChild(TaskReminderWorkflow, {
          workflowId: ids[i]!,
          args: [{ ...reminder, plan }],
          // A reminder id that completed is never started again; one that failed may be retried by a later sweep.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
          // The reminder finishes even when this sweep has finished or was terminated.
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
        totals.handedOff++;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        totals.alreadyHandled++;
      }
    }),
  );
}

/** Digest mode: one child per owner; an owner whose digest is still running counts as already handled. */
async function sweepDigests(totals: SweepSummary, plan: DeliveryPlan, settings: SweepSettings, start?: string): Promise<void> {
  const { windowStart, windowEnd } = totals;
  const pageSize = settings.pageSize;
  let afterOwnerId = start;
  for (;;) {
    const owners = await findDueOwners({ windowStart, windowEnd, afterOwnerId, limit: pageSize });
    await Promise.all(
      owners.map(async (ownerId) => {
        try {
          const r = await executeChild(OwnerDigestWorkflow, {
            workflowId: digestWorkflowId(ownerId),
            args: [{ ownerId, windowStart, windowEnd, plan }],
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            parentClosePolicy: ParentClosePolicy.ABANDON,
          });
          totals.found += r.taskIds.length;
          totals.sent += r.taskIds.length;
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) totals.alreadyHandled++;
          else if (err instanceof ChildWorkflowFailure) {
            const ids = (rootFailure(err).details?.[0] as string[] | undefined) ?? [];
            totals.found += ids.length;
            for (const taskId of ids) noteFailure(totals, taskId, rootFailure(err).message);
          } else throw err;
        }
      }),
    );
    if (owners.length < pageSize) return;
    afterOwnerId = owners.at(-1);
    if (historyFull(settings)) await continueAsNew<typeof DueTaskSweepWorkflow>({ windowStart, settings, afterOwnerId, totals });
  }
}

function historyFull(settings: SweepSettings): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > (settings.historyLimit ?? HISTORY_LIMIT);
}

/**
 * Every sweep, scheduled or by hand, runs as one child with a fixed id ({@link sweepRunWorkflowId}):
 * while one runs, another finds the id taken and returns at once, marked skipped.
 */
export async function DueTaskSweepWorkflow(input: SweepInput = {}): Promise<SweepSummary> {
  const info = workflowInfo();
  const runId = sweepRunWorkflowId(info.taskQueue);
  if (info.workflowId === runId) return sweep(input);
  const windowStart = input.windowStart ?? nominalStart();
  tag(await planDelivery(), { MailKind: 'sweep' });
  try {
    return await executeChild(DueTaskSweepWorkflow, {
      workflowId: runId,
      args: [{ ...input, windowStart }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    log.info('another due-task sweep is running: this one is skipped', { runId });
    return { windowStart, windowEnd: windowStart, found: 0, sent: 0, handedOff: 0, alreadyHandled: 0, failed: 0, failures: [], skipped: `${runId} is running` };
  }
}

async function sweep(input: SweepInput): Promise<SweepSummary> {
  const settings = input.settings ?? (await sweepSettings());
  const windowStart = input.windowStart ?? nominalStart();
  const windowEnd = new Date(Date.parse(windowStart) + settings.windowMs).toISOString();
  const totals: SweepSummary = input.totals ?? { windowStart, windowEnd, found: 0, sent: 0, handedOff: 0, alreadyHandled: 0, failed: 0, failures: [] };
  const plan = await planDelivery();
  tag(plan, { MailKind: 'sweep' });
  if (settings.digest) {
    await sweepDigests(totals, plan, settings, input.afterOwnerId);
    log.info('due-task sweep finished (digest mode)', { ...totals, failures: totals.failures.length });
    return totals;
  }
  // A paced provider's rate is enforced on its own task queue, per email: each reminder gets a workflow.
  const send = !plan.sendTaskQueues?.[plan.primary];
  let after = input.after;
  for (;;) {
    const page = await sendReminderBatch({ windowStart, windowEnd, after, limit: settings.pageSize, send });
    totals.found += page.found;
    totals.sent += page.sent;
    totals.alreadyHandled += page.alreadyHandled;
    for (const f of page.failures) noteFailure(totals, f.taskId, f.error);
    if (page.unmarked.length) await markRemindersSent({ reminders: page.unmarked });
    await handOff(page.handOff, plan, totals);
    if (!page.next) break;
    after = page.next;
    if (historyFull(settings)) {
      await continueAsNew<typeof DueTaskSweepWorkflow>({ windowStart, settings, after, totals });
    }
  }
  log.info('due-task sweep finished', { ...totals, failures: totals.failures.length });
  return totals;
}
