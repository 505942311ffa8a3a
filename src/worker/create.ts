import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import type { Config } from '../env.js';
import { sendTaskQueue } from '../shared.js';
import { pacedProviders } from './deps.js';
import { connectionOptions } from '../temporal.js';
import { workflowBundlerOptions, WORKFLOWS_PATH } from '../../scripts/workflow-bundle.mjs';

// dist/src/worker/create.js -> dist/workflow-bundle.js, written by `npm run build`.
const BUILT_BUNDLE = fileURLToPath(new URL('../../workflow-bundle.js', import.meta.url));

/**
 * A prebuilt bundle (WORKFLOW_BUNDLE_PATH, or the one `npm run build` puts beside the compiled
 * worker) is loaded as is; otherwise the worker bundles the TypeScript workflows at start-up, which
 * is what `npm run dev` does.
 */
export function workflowSource(bundlePath?: string): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (bundlePath) {
    if (!existsSync(bundlePath)) throw new Error(`WORKFLOW_BUNDLE_PATH=${bundlePath} does not exist`);
    return { workflowBundle: { codePath: bundlePath } };
  }
  if (existsSync(BUILT_BUNDLE)) return { workflowBundle: { codePath: BUILT_BUNDLE } };
  return { workflowsPath: WORKFLOWS_PATH, bundlerOptions: workflowBundlerOptions() };
}

export async function connectWorker(config: Config): Promise<NativeConnection> {
  const { address, tls, apiKey } = connectionOptions(config.temporal);
  return NativeConnection.connect({ address, tls, apiKey });
}

export async function createWorker(opts: {
  connection: NativeConnection;
  config: Config;
  deps: ActivityDeps;
  bundlePath?: string;
  overrides?: Partial<WorkerOptions>;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.config.temporal.namespace,
    taskQueue: opts.config.temporal.taskQueue,
    activities: createActivities(opts.deps),
    ...workflowSource(opts.bundlePath),
    // The SDK sizes its cache from the heap limit (about 2,300 workflows on a 4 GB heap); a bound set
    // here keeps the worker's memory flat when thousands of emails are in flight.
    maxCachedWorkflows: opts.config.temporal.workerMemory.maxCachedWorkflows,
    // First send attempts run as local activities: beyond the provider's concurrency (the SMTP pool)
    // they only wait there, and a worker busy with them answers later to the provider's acceptance,
    // the moment the send ledger must record it (the crash-duplicate window).
    maxConcurrentLocalActivityExecutions: opts.config.temporal.maxLocalActivities,
    ...opts.overrides,
  });
}

/**
 * One activity-only worker per paced provider. `maxTaskQueueActivitiesPerSecond` is enforced by the
 * server for the whole task queue, so the rate holds however many worker processes run.
 */
export async function createSendWorkers(opts: { connection: NativeConnection; config: Config; deps: ActivityDeps }): Promise<Worker[]> {
  return Promise.all(
    pacedProviders(opts.config).map((provider) =>
      Worker.create({
        connection: opts.connection,
        namespace: opts.config.temporal.namespace,
        taskQueue: sendTaskQueue(opts.config.temporal.taskQueue, provider),
        activities: createActivities(opts.deps),
        maxTaskQueueActivitiesPerSecond: opts.config.mail.sendRate[provider],
      }),
    ),
  );
}
