// Recorded histories (test/histories/<WorkflowType>/<path>.json): written by `npm run record-histories`,
// replayed by replay.test.ts and deploy.test.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';
import type { ReplayWorkerOptions } from '@temporalio/worker';

type History = proto.temporal.api.history.v1.IHistory;

export const HISTORIES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'histories');

// The SDK's historyToJSON/historyFromJSON fail here ("type must be a Type"): npm installed two copies of
// protobufjs 8 (one under @temporalio/common, one under @temporalio/proto) and protojson checks its own
// class. The same conversion through the copy @temporalio/proto's types belong to works, in the same
// canonical proto3 JSON that Temporal's other tools read and write.
const protojson = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'))('protobufjs/ext/protojson') as {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): History | null;
};
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

export function historyToJSONObject(history: History): unknown {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

export interface HistoryFile {
  /** `<WorkflowType>/<path>`, without `.json`. */
  name: string;
  workflowId: string;
  workflowType: string;
  history: History;
}

export function readHistoryFile(file: string): HistoryFile {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { workflowId: string; workflowType: string; history: unknown };
  const history = protojson.fromJson(historyType, doc.history, { ignoreUnknownFields: true });
  if (!history?.events?.length) throw new Error(`${file}: no history events`);
  const name = path.relative(HISTORIES_DIR, file).replace(/\.json$/, '').split(path.sep).join('/');
  return { name, workflowId: doc.workflowId, workflowType: doc.workflowType, history };
}

/** Every recorded history, in file name order. */
export function readHistories(dir = HISTORIES_DIR): HistoryFile[] {
  const out: HistoryFile[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const f of readdirSync(p).sort()) walk(path.join(p, f));
    else if (p.endsWith('.json')) out.push(readHistoryFile(p));
  };
  walk(dir);
  return out;
}

/** The workflow type named by the history's first event. */
export function startedType(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

/** Event type names without their EVENT_TYPE_ prefix, in order. */
export function eventTypes(history: History): string[] {
  return (history.events ?? []).map((e) => String(proto.temporal.api.enums.v1.EventType[e.eventType ?? 0]).replace(/^EVENT_TYPE_/, ''));
}

/**
 * Options replaying `h` on the given workflow code. The replayer runs on a task queue of its own
 * ("fake_replay_queue-N") unless told, and workflowInfo().taskQueue is the worker's queue: the sweep
 * derives its run's workflow id from it. A replay must see the queue the history ran on, as a deployed
 * worker does (the SDK applies an explicit taskQueue over its default).
 */
export function replayOptions(h: HistoryFile, code: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'>): ReplayWorkerOptions {
  const taskQueue = h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.taskQueue?.name ?? undefined;
  const options: ReplayWorkerOptions & { taskQueue?: string } = { ...code, taskQueue };
  return options;
}
