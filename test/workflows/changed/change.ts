// The change a deploy brings in this fixture: one more activity when a workflow starts, and one when
// it has done its work. Both alter the commands a workflow issues, so only `patched()` makes them safe
// for executions that started on the old code (README, "Changing workflow code"): an execution waiting
// on a timer is already past the first point (it keeps the old path there) and not yet at the second
// (it takes the new one).
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';

export const PATCHES = { start: 'audit-at-start', finish: 'audit-at-finish' } as const;

export interface Audit {
  at: keyof typeof PATCHES;
  workflowId: string;
  workflowType: string;
}

export interface ChangedActivities {
  audit(input: Audit): Promise<void>;
}

const { audit } = proxyActivities<ChangedActivities>({ startToCloseTimeout: '10 seconds' });

export function withAudits<A extends unknown[], R>(workflow: (...args: A) => Promise<R>, opts: { guarded: boolean }): (...args: A) => Promise<R> {
  // Replaying an old execution, patched() is false where its history has no marker: the old path.
  const changed = (at: Audit['at']) => !opts.guarded || patched(PATCHES[at]);
  const note = (at: Audit['at']) => audit({ at, workflowId: workflowInfo().workflowId, workflowType: workflowInfo().workflowType });
  return async (...args: A) => {
    if (changed('start')) await note('start');
    const result = await workflow(...args);
    if (changed('finish')) await note('finish');
    return result;
  };
}
