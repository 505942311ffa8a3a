// What deploy.test.ts reads from histories, and the changed workflow bundles it deploys.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, type Logger, type WorkflowBundle } from '@temporalio/worker';

/** test/workflows/changed/<file>, bundled as a worker would be. */
export async function changedBundle(file: string, logger: Logger): Promise<WorkflowBundle> {
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(import.meta.dirname, 'changed', file), logger });
  return { code };
}

/** Who completed each workflow task of an execution: which code (worker) ran which part. */
export async function decidersOf(client: Client, workflowId: string, runId?: string): Promise<string[]> {
  const { events } = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (events ?? []).map((e) => e.workflowTaskCompletedEventAttributes?.identity).filter((x): x is string => !!x);
}

/** The deciders of each run of the sweep's one run child (its id is fixed, its runs continue as new). */
export async function sweepRunDeciders(client: Client, parentId: string): Promise<string[][]> {
  const { events } = await client.workflow.getHandle(parentId).fetchHistory();
  const child = events?.find((e) => e.childWorkflowExecutionStartedEventAttributes)?.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
  assert.ok(child?.workflowId && child.runId, 'the sweep started its run');
  const out: string[][] = [];
  for (let runId: string | null | undefined = child.runId; runId; ) {
    out.push(await decidersOf(client, child.workflowId, runId));
    const run = await client.workflow.getHandle(child.workflowId, runId).fetchHistory();
    runId = run.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return out;
}
