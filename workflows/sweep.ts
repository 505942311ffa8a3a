import {
  ChildWorkflowFailure,
  continueAsNew,
  executeChild,
  log,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
// Thrown by executeChild when the reminder id exists; @temporalio/workflow does not re-export it.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import {
  digestWorkflowId,
  reminderWorkflowId,
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

const { findDueReminders, findDueOwners } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { planDelivery, sweepSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

const MAX_FAILURES_KEPT = 100;
const HISTORY_LIMIT = 10_000;

/** T is the schedule's nominal time (also set by `schedule trigger`), else this run's start time. */
function nominalStart(): string {
  const info = workflowInfo();
  const scheduled = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  const when = scheduled instanceof Date ? scheduled : typeof scheduled === 'string' ? new Date(scheduled) : info.startTime;
  return when.toISOString();
}

type Outcome = 'sent' | 'already' | { failed: string };

async function remind(reminder: DueReminder, plan: DeliveryPlan): Promise<Outcome> {
  try {
    await executeChild(TaskReminderWorkflow, {
      workflowId: reminderWorkflowId(reminder.task.taskId, reminder.task.dueAt),
      args: [{ ...reminder, plan }],
      // A reminder id that completed is never started again; one that failed may be retried by a later sweep.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      // The reminder finishes even if this sweep is terminated.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return 'sent';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already';
    if (err instanceof ChildWorkflowFailure) return { failed: rootFailure(err).message };
    throw err;
  }
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
            totals.failed += ids.length;
            for (const taskId of ids) if (totals.failures.length < MAX_FAILURES_KEPT) totals.failures.push({ taskId, error: rootFailure(err).message });
          } else throw err;
        }
      }),
    );
    if (owners.length < pageSize) return;
    afterOwnerId = owners.at(-1);
    if (historyFull()) await continueAsNew<typeof DueTaskSweepWorkflow>({ windowStart, settings, afterOwnerId, totals });
  }
}

function historyFull(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_LIMIT;
}

export async function DueTaskSweepWorkflow(input: SweepInput = {}): Promise<SweepSummary> {
  const settings = input.settings ?? (await sweepSettings());
  const windowStart = input.windowStart ?? nominalStart();
  const windowEnd = new Date(Date.parse(windowStart) + settings.windowMs).toISOString();
  const totals: SweepSummary = input.totals ?? { windowStart, windowEnd, found: 0, sent: 0, alreadyHandled: 0, failed: 0, failures: [] };
  const plan = await planDelivery();
  tag(plan, { MailKind: 'sweep' });
  if (settings.digest) {
    await sweepDigests(totals, plan, settings, input.afterOwnerId);
    log.info('due-task sweep finished (digest mode)', { ...totals, failures: totals.failures.length });
    return totals;
  }
  let after = input.after;

  for (;;) {
    const page = await findDueReminders({ windowStart, windowEnd, after, limit: settings.pageSize });
    totals.found += page.reminders.length;
    // Fan-out is bounded by the page size; the next page starts when this one is done.
    const outcomes = await Promise.all(page.reminders.map((r) => remind(r, plan)));
    outcomes.forEach((o, i) => {
      if (o === 'sent') totals.sent++;
      else if (o === 'already') totals.alreadyHandled++;
      else {
        totals.failed++;
        if (totals.failures.length < MAX_FAILURES_KEPT) totals.failures.push({ taskId: page.reminders[i]!.task.taskId, error: o.failed });
      }
    });
    if (!page.next) break;
    after = page.next;
    if (historyFull()) {
      await continueAsNew<typeof DueTaskSweepWorkflow>({ windowStart, settings, after, totals });
    }
  }
  log.info('due-task sweep finished', { ...totals, failures: totals.failures.length });
  return totals;
}
