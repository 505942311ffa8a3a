// Scenario 7: what the worker spends to set up a workflow, with the modules of workflows/ evaluated once
// for all workflows (the service's bundle, scripts/workflow-bundle.mjs) against once per workflow (the
// SDK's default). The recorded history of the single path's first attempt is replayed `n` times per
// round through the SDK's replayer, in this process, with rounds alternating; the figures are this
// process's median CPU per replayed workflow, and the median of the ratios of each pair of rounds.
// Replay runs the same workflow set-up and activations as a live worker does, without the server and
// the activity.
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows, QUIET_BUNDLER_LOGGER, WORKFLOWS_PATH } from '../../scripts/workflow-bundle.mjs';
import { HISTORIES_DIR, readHistoryFile, replayOptions } from '../../test/workflows/replay-files.js';
import { percentile } from '../stats.js';

export async function workflowSetUp(n: number, rounds: number) {
  // The replayer needs the SDK's native runtime; the bench's own process has none until now.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const h = readHistoryFile(path.join(HISTORIES_DIR, 'SendEmailWorkflow', 'first-attempt-sent.json'));
  const bundles: Record<'shared' | 'perWorkflow', WorkflowBundle> = {
    shared: { code: await bundleWorkflows(QUIET_BUNDLER_LOGGER) },
    perWorkflow: { code: (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: QUIET_BUNDLER_LOGGER })).code },
  };
  const replay = async (bundle: WorkflowBundle) => {
    const histories = Array.from({ length: n }, (_, i) => ({ workflowId: `${h.workflowId}-${i}`, history: h.history }));
    const before = process.cpuUsage();
    for await (const r of Worker.runReplayHistories(replayOptions(h, { workflowBundle: bundle }), histories)) if (r.error) throw r.error;
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / n;
  };
  // The replayer's CPU per workflow keeps falling for a few thousand workflows (the JIT): two rounds of
  // each before measuring, and the ratio taken within each pair of rounds, where the drift is small.
  for (let r = 0; r < 2; r++) for (const side of ['shared', 'perWorkflow'] as const) await replay(bundles[side]);
  const ms = { shared: [] as number[], perWorkflow: [] as number[] };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 ? (['perWorkflow', 'shared'] as const) : (['shared', 'perWorkflow'] as const)) ms[side].push(await replay(bundles[side]));
    ratios.push(ms.shared.at(-1)! / ms.perWorkflow.at(-1)!);
  }
  return { sharedMs: percentile(ms.shared, 50), perWorkflowMs: percentile(ms.perWorkflow, 50), ratio: percentile(ratios, 50), ratios };
}
