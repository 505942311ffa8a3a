// What every recording needs: a client, a worker running today's workflow bundle with the
// activities a path chooses, and a way to find the executions a run produced (children, new runs).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Activities } from '../../activities/index.js';

/** The same identity everywhere: histories record it, and a host name has no place in the repo. */
export const IDENTITY = 'history-recorder';

/** One execution to write: `file` is `<WorkflowType>/<path>` under test/histories. */
export interface Recorded {
  file: string;
  workflowId: string;
  runId: string;
}

export interface Scenario {
  /** Files this path writes; a path whose files all exist is not run again. */
  files: string[];
  run(r: Recorder): Promise<Recorded[]>;
}

export interface Execution {
  workflowId: string;
  runId: string;
  type: string;
}

export class Recorder {
  constructor(
    readonly client: Client,
    private readonly connection: NativeConnection,
    private readonly bundleCode: string,
  ) {}

  /** A task queue of its own per path: the sweep's run id is derived from it. */
  taskQueue(name: string): string {
    return `histories-${name}-${randomUUID().slice(0, 8)}`;
  }

  /** Runs `fn` while a worker serves `activities` (plus any extra ones a path adds) on `taskQueue`. */
  async withWorker<T>(taskQueue: string, activities: Activities | Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    const worker = await Worker.create({
      connection: this.connection,
      taskQueue,
      identity: IDENTITY,
      workflowBundle: { code: this.bundleCode },
      activities: activities as Activities,
      shutdownForceTime: '5s',
    });
    return worker.runUntil(fn);
  }

  async history(workflowId: string, runId: string): Promise<History> {
    return this.client.workflow.getHandle(workflowId, runId).fetchHistory();
  }

  /** Children this run started, in the order they started. */
  async children(workflowId: string, runId: string): Promise<Execution[]> {
    const { events } = await this.history(workflowId, runId);
    return (events ?? [])
      .map((e) => e.childWorkflowExecutionStartedEventAttributes)
      .filter((a) => !!a)
      .map((a) => ({ workflowId: a.workflowExecution!.workflowId!, runId: a.workflowExecution!.runId!, type: a.workflowType!.name! }));
  }

  /** This run and every run it continued as, in order. */
  async runs(workflowId: string, firstRunId: string): Promise<string[]> {
    const out = [firstRunId];
    for (;;) {
      const { events } = await this.history(workflowId, out.at(-1)!);
      const next = events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (!next) return out;
      out.push(next);
    }
  }

  /** Waits for an execution (and the runs it continues as) to close, whatever its outcome. */
  async settled(workflowId: string, runId?: string): Promise<void> {
    await this.client.workflow
      .getHandle(workflowId, runId)
      .result()
      .catch(() => undefined);
  }
}

/** Polls `read` until `ok` holds. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
