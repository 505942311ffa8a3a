import { patched, workflowInfo } from '@temporalio/workflow';

/**
 * `patched(id)`, unless the execution's starter vouched for the patch (`knownPatches` in its input):
 * every worker that may run it has the new branch, so a new execution takes that branch without a
 * patch marker, and without the `TemporalChangeVersion` upsert the SDK adds beside one (two history
 * events and a visibility write fewer). On replay it still calls `patched(id)`: a worker of a release
 * that had the patch but not `knownPatches` ignored the field, took the branch through `patched()` and
 * recorded the marker, which the replay must match. Where no marker was recorded, that call adds none.
 */
export function vouchedOrPatched(id: string, knownPatches: readonly string[] | undefined): boolean {
  if (!knownPatches?.includes(id)) return patched(id);
  if (workflowInfo().unsafe.isReplaying) patched(id);
  return true;
}
