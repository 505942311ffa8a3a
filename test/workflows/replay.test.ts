// Every recorded history (test/histories, `npm run record-histories`) replays against today's workflow
// code with the SDK's replayer. A change to workflows/ that alters the commands an old history issued
// (a new activity, timer or child, a different order) fails here: guard it with patched() (README,
// "Changing workflow code").
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { workflowBundlerOptions, WORKFLOWS_PATH } from '../../scripts/workflow-bundle.mjs';
import * as workflows from '../../workflows/index.js';
import proto from '@temporalio/proto';
import { FIRST_ATTEMPT_PATCH, KNOWN_PATCHES, SUPPRESSION_PATCH, WEBHOOKS_PATCH, type SendEmailInput } from '../../src/shared.js';
import { infra } from '../support/env.js';
import { eventTypes, readHistories, replayOptions, startedType, type HistoryFile } from './replay-files.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });

type History = HistoryFile['history'];
const has = (kind: string) => (h: History) => eventTypes(h).includes(kind);
const endsWith = (kind: string) => (h: History) => eventTypes(h).at(-1) === kind;
const all =
  (...checks: ((h: History) => boolean)[]) =>
  (h: History) =>
    checks.every((c) => c(h));
const started = (h: History) => h.events?.[0]?.workflowExecutionStartedEventAttributes;
/** The patch ids of the history's patch markers, in order. */
const patchMarkers = (h: History) =>
  (h.events ?? []).flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    const data = m?.markerName === 'core_patch' ? m.details?.['patch-data']?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
const noPatchMarker = (h: History) => patchMarkers(h).length === 0 && !(h.events ?? []).some((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.TemporalChangeVersion);

/** The `knownPatches` of the history's SendEmailWorkflow input. */
function vouchedFor(h: History): readonly string[] {
  const data = started(h)?.input?.payloads?.[0]?.data;
  return data ? ((JSON.parse(Buffer.from(data).toString('utf8')) as SendEmailInput).knownPatches ?? []) : [];
}

/**
 * `h` as a worker of the release before `knownPatches` records it for an email the API vouched for:
 * that worker ignored the field, so the history is the same but for the input.
 */
function vouchedInput(h: HistoryFile, patches: string[]): HistoryFile {
  const history = proto.temporal.api.history.v1.History.decode(proto.temporal.api.history.v1.History.encode(h.history).finish());
  const payload = history.events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  const input = JSON.parse(Buffer.from(payload.data!).toString('utf8')) as SendEmailInput;
  payload.data = Buffer.from(JSON.stringify({ ...input, knownPatches: patches }), 'utf8');
  return { ...h, name: `${h.name} (input vouching for ${patches.join(', ')})`, history };
}

/** The paths a deploy must not break, and what shows in each history that it took that path. */
const REQUIRED: Record<string, (h: History) => boolean> = {
  'SendEmailWorkflow/send-now': endsWith('WORKFLOW_EXECUTION_COMPLETED'),
  'SendEmailWorkflow/send-at-waited-then-sent': has('TIMER_FIRED'),
  'SendEmailWorkflow/cancelled-by-update': has('WORKFLOW_EXECUTION_UPDATE_COMPLETED'),
  'SendEmailWorkflow/cancelled-by-signal': has('WORKFLOW_EXECUTION_SIGNALED'),
  'SendEmailWorkflow/gemini-used': has('ACTIVITY_TASK_COMPLETED'),
  'SendEmailWorkflow/gemini-refused-fallback': has('ACTIVITY_TASK_FAILED'),
  'SendEmailWorkflow/primary-failed-fallback-sent': (h) => eventTypes(h).filter((t) => t === 'ACTIVITY_TASK_SCHEDULED').length === 2,
  'SendEmailWorkflow/failed-for-good': endsWith('WORKFLOW_EXECUTION_FAILED'),
  'TaskReminderWorkflow/sent': endsWith('WORKFLOW_EXECUTION_COMPLETED'),
  'TaskReminderWorkflow/failed-released': endsWith('WORKFLOW_EXECUTION_FAILED'),
  'TaskReminderWorkflow/handed-off-from-sweep': (h) => !!started(h)?.parentWorkflowExecution,
  'DueTaskSweepWorkflow/batch.trigger': has('CHILD_WORKFLOW_EXECUTION_COMPLETED'),
  'DueTaskSweepWorkflow/batch.run-1-continued-as-new': all(has('ACTIVITY_TASK_COMPLETED'), has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'), endsWith('WORKFLOW_EXECUTION_CONTINUED_AS_NEW')),
  'DueTaskSweepWorkflow/batch.run-last': endsWith('WORKFLOW_EXECUTION_COMPLETED'),
  'DueTaskSweepWorkflow/scheduled.trigger': (h) => !!started(h)?.searchAttributes?.indexedFields?.TemporalScheduledStartTime,
  'DueTaskSweepWorkflow/skipped.trigger': has('START_CHILD_WORKFLOW_EXECUTION_FAILED'),
  'DueTaskSweepWorkflow/digest.run-1-continued-as-new': all(has('CHILD_WORKFLOW_EXECUTION_COMPLETED'), endsWith('WORKFLOW_EXECUTION_CONTINUED_AS_NEW')),
  'OwnerDigestWorkflow/sent-from-sweep': endsWith('WORKFLOW_EXECUTION_COMPLETED'),
  'OwnerDigestWorkflow/failed-from-sweep': endsWith('WORKFLOW_EXECUTION_FAILED'),
  'SendEmailWorkflow/suppressed': all(has('MARKER_RECORDED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'SendEmailWorkflow/sent-announced': has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'),
  'SendEmailWorkflow/suppressed-announced': has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'),
  'WebhookDeliveryWorkflow/refused-then-delivered': endsWith('WORKFLOW_EXECUTION_COMPLETED'),
  'ConfirmSnsSubscriptionWorkflow/confirmed': endsWith('WORKFLOW_EXECUTION_COMPLETED'),
  'MirrorSesSuppressionWorkflow/mirrored': endsWith('WORKFLOW_EXECUTION_COMPLETED'),
  'TaskReminderWorkflow/suppressed': all(has('MARKER_RECORDED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'OwnerDigestWorkflow/suppressed': all(has('MARKER_RECORDED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'TaskReminderWorkflow/sent-announced': has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'),
  'OwnerDigestWorkflow/sent-announced': has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'),
  'SendEmailWorkflow/first-attempt-sent': all(has('MARKER_RECORDED'), (h) => !eventTypes(h).includes('ACTIVITY_TASK_SCHEDULED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'SendEmailWorkflow/first-attempt-retried-then-sent': all(has('MARKER_RECORDED'), has('ACTIVITY_TASK_COMPLETED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'SendEmailWorkflow/first-attempt-vouched-sent': all(noPatchMarker, has('MARKER_RECORDED'), (h) => !eventTypes(h).includes('ACTIVITY_TASK_SCHEDULED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'SendEmailWorkflow/first-attempt-vouched-retried-then-sent': all(noPatchMarker, has('MARKER_RECORDED'), has('ACTIVITY_TASK_COMPLETED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  // With webhooks on: as the release before vouched for the webhook and suppression patches (their markers), and as today's API starts them (none).
  'SendEmailWorkflow/first-attempt-vouched-sent-announced': all((h) => patchMarkers(h).join() === WEBHOOKS_PATCH, has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'SendEmailWorkflow/first-attempt-vouched-suppressed-announced': all((h) => patchMarkers(h).join() === [SUPPRESSION_PATCH, WEBHOOKS_PATCH].join(), has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'SendEmailWorkflow/all-vouched-sent-announced': all(noPatchMarker, has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'SendEmailWorkflow/all-vouched-suppressed-announced': all(noPatchMarker, has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'SendEmailWorkflow/all-vouched-failed-announced': all(noPatchMarker, has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'), endsWith('WORKFLOW_EXECUTION_FAILED')),
  'BatchSendWorkflow/all-sent': all(has('ACTIVITY_TASK_COMPLETED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
  'BatchSendWorkflow/one-handed-off': all(has('START_CHILD_WORKFLOW_EXECUTION_INITIATED'), endsWith('WORKFLOW_EXECUTION_COMPLETED')),
};

const todaysCode = () =>
  infra.workflowBundle ? { workflowBundle: { codePath: infra.workflowBundle } } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: workflowBundlerOptions() };

describe('recorded workflow histories replay against today\'s workflow code', () => {
  const histories = readHistories();
  const byName = new Map(histories.map((h) => [h.name, h]));

  test('every workflow type exported by workflows/index.ts has recorded histories, each filed under its type', () => {
    const exported = Object.entries(workflows)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k)
      .sort();
    assert.deepEqual(exported, [
      'BatchSendWorkflow',
      'ConfirmSnsSubscriptionWorkflow',
      'DueTaskSweepWorkflow',
      'MirrorSesSuppressionWorkflow',
      'OwnerDigestWorkflow',
      'SendEmailWorkflow',
      'TaskReminderWorkflow',
      'WebhookDeliveryWorkflow',
    ]);
    for (const type of exported) assert.ok(histories.some((h) => h.workflowType === type), `no recorded history of ${type}: run npm run record-histories`);
    for (const h of histories) {
      assert.equal(h.name.split('/')[0], h.workflowType, `${h.name} is filed under its workflow type`);
      assert.equal(startedType(h.history), h.workflowType, `${h.name} holds a ${h.workflowType} history`);
    }
  });

  test('the paths that matter are recorded, each history showing it took its path', () => {
    for (const [name, tookPath] of Object.entries(REQUIRED)) {
      const h = byName.get(name);
      assert.ok(h, `missing history ${name}: run npm run record-histories`);
      assert.ok(tookPath(h.history), `${name} does not show the path its name says`);
    }
  });

  // Emails the API started vouching for today's patches, run by a worker that took them through
  // patched() (and so recorded their markers): a worker of the release before knownPatches, for the
  // first attempt, and one of the release that vouched for the first attempt alone, for the webhook and
  // suppression patches. Today's code must match those markers too.
  const vouched = histories
    .filter((h) => patchMarkers(h.history).includes(FIRST_ATTEMPT_PATCH) || (vouchedFor(h.history).includes(FIRST_ATTEMPT_PATCH) && patchMarkers(h.history).length > 0))
    .map((h) => vouchedInput(h, [...KNOWN_PATCHES]));
  test('histories with a patch marker of a patch the API now vouches for are replayed again with a vouching input', () => {
    assert.ok(vouched.length >= 10, `${vouched.length} histories carry a marker of a patch in KNOWN_PATCHES`);
    for (const id of [WEBHOOKS_PATCH, SUPPRESSION_PATCH]) {
      const n = vouched.filter((h) => patchMarkers(h.history).includes(id)).length;
      assert.ok(n >= 2, `${n} of them carry the ${id} marker`);
    }
  });

  for (const h of [...histories, ...vouched]) {
    test(`replays ${h.name}`, async () => {
      // Throws DeterminismViolationError when today's code issues other commands than the history recorded.
      await Worker.runReplayHistory(replayOptions(h, todaysCode()), h.history, h.workflowId);
    });
  }

  // The limit of vouching, pinned: an announcement made without a marker replays only where the input's
  // knownPatches is honoured for it. Read with an input vouching for the first attempt alone, it is what a
  // worker of the release before (plain patched() for webhooks-v1) meets after a rollback: it fails.
  test('an announcement recorded without its marker does not replay where the webhook patch is not vouched for', async () => {
    for (const name of ['SendEmailWorkflow/all-vouched-sent-announced', 'SendEmailWorkflow/all-vouched-failed-announced']) {
      const h = vouchedInput(byName.get(name)!, [FIRST_ATTEMPT_PATCH]);
      await assert.rejects(Worker.runReplayHistory(replayOptions(h, todaysCode()), h.history, h.workflowId), DeterminismViolationError, h.name);
    }
  });
});
