// The change a deploy brings in this fixture: after a workflow finishes its work, one more activity.
// It alters the commands a workflow issues, so only `patched()` makes it safe for executions that
// started on the old code (README, "Changing workflow code").
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';

export const PATCH_ID = 'audit-after-finish';

export interface ChangedActivities {
  auditFinished(input: { workflowId: string; runId: string; workflowType: string }): Promise<void>;
}

const { auditFinished } = proxyActivities<ChangedActivities>({ startToCloseTimeout: '10 seconds' });

export function withAudit<A extends unknown[], R>(workflow: (...args: A) => Promise<R>, opts: { guarded: boolean }): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const result = await workflow(...args);
    // Replaying an old execution, patched() is false where its history has no marker: the old path.
    if (!opts.guarded || patched(PATCH_ID)) {
      const { workflowId, runId, workflowType } = workflowInfo();
      await auditFinished({ workflowId, runId, workflowType });
    }
    return result;
  };
}
