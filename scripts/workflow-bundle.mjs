// How every bundle of workflows/ is built: the production worker's (`npm run build`), the one the
// worker builds at start-up under `npm run dev`, the tests' and the history recorder's. One set of
// options, so that what the tests replay is what the worker runs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

/** workflows/index.ts of this checkout. */
export const WORKFLOWS_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'workflows', 'index.ts');

/** A bundler logger that shows errors only (webpack's progress lines are noise in a test run). */
export const QUIET_BUNDLER_LOGGER = { log() {}, info() {}, warn() {}, error: console.error, debug() {}, trace() {} };

/**
 * The workflow modules are evaluated once, when the worker builds its reused V8 context, instead of
 * once for every workflow it starts (the SDK's `preloadModules`; `npm run bench` measures the saving).
 * That is sound only while no module of workflows/ keeps state at module scope: a workflow's changing
 * values live inside its function. The SDK freezes what it preloads, so a write to a module's exports
 * fails loudly; test/workflows/module-scope.test.ts rejects the rest (a module-level `let` or
 * collection).
 */
export function workflowBundlerOptions() {
  return { preloadModules: [WORKFLOWS_PATH] };
}

/** The bundle's code; `logger` is the bundler's (webpack's progress), the SDK's default when absent. */
export async function bundleWorkflows(logger) {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ...workflowBundlerOptions(), ...(logger ? { logger } : {}) });
  return code;
}
