// SendEmailWorkflow on each path an email can take, as the API starts it.
import { randomUUID } from 'node:crypto';
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import { EnhanceError } from '../../src/enhance/types.js';
import { MailError } from '../../src/mail/types.js';
import { KNOWN_PATCHES, messageWorkflowId, type DeliveryPlan, type SendEmailInput } from '../../src/shared.js';
import { FakeEnhancer, MemoryLedger } from '../../test/workflows/fakes.js';
import { until, type Recorder, type Scenario } from './recorder.js';
import { world, type World } from './world.js';

const permanent = () => new MailError('550 5.1.1 no such user', 'SmtpPermanent550', true);
const transient = () => new MailError('421 4.3.0 try again later', 'SmtpTransient421', false);
const input = (over: Partial<SendEmailInput> = {}): SendEmailInput => ({ to: 'to@example.com', subject: 'Hello', text: 'Line one\n\nLine two', enhance: false, ...over });

interface EmailPath {
  plan?: Partial<Omit<DeliveryPlan, 'enhancerAvailable'>>;
  enhancer?: FakeEnhancer;
  input?: Partial<SendEmailInput> | (() => Partial<SendEmailInput>);
  /** Start attributes as the API sets them (with `plan.searchAttributes`). */
  tagged?: boolean;
  /** A send ledger, as a worker with DATABASE_URL has: the first attempt is then made in the first workflow task. */
  ledger?: boolean;
  arrange?(w: World): void;
  /** Acts on the running email (cancel it, …) before it is awaited. */
  act?(r: Recorder, workflowId: string): Promise<void>;
}

function email(name: string, path: EmailPath): Scenario {
  return {
    files: [`SendEmailWorkflow/${name}`],
    async run(r) {
      const taskQueue = r.taskQueue(name);
      // A paced provider's queue is the worker's own here: pacing itself is not what is recorded.
      const plan = path.plan?.sendTaskQueues ? { ...path.plan, sendTaskQueues: { smtp: taskQueue } } : path.plan;
      const w = world(plan, path.enhancer, path.ledger ? { ledger: new MemoryLedger() } : {});
      path.arrange?.(w);
      const workflowId = messageWorkflowId(randomUUID());
      const args = input(typeof path.input === 'function' ? path.input() : path.input);
      const typedSearchAttributes = path.tagged
        ? new TypedSearchAttributes([
            { key: defineSearchAttributeKey('MailKind', SearchAttributeType.KEYWORD), value: 'message' },
            { key: defineSearchAttributeKey('MailRecipientDomain', SearchAttributeType.KEYWORD), value: 'example.com' },
          ])
        : undefined;
      const runId = await r.withWorker(taskQueue, w.activities, async () => {
        const handle = await r.client.workflow.start('SendEmailWorkflow', { taskQueue, workflowId, args: [args], typedSearchAttributes });
        await path.act?.(r, workflowId);
        await r.settled(workflowId);
        return handle.firstExecutionRunId;
      });
      return [{ file: `SendEmailWorkflow/${name}`, workflowId, runId }];
    },
  };
}

/** Waits until the email sleeps on its send_at timer, the moment a deploy usually meets it. */
async function waitingOnTimer(r: Recorder, workflowId: string): Promise<void> {
  await until(async () => (await r.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [], (ev) => ev.some((e) => e.timerStartedEventAttributes), 'the send_at timer');
}

const vouched: Partial<SendEmailInput> = { knownPatches: KNOWN_PATCHES };
const sendIn = (ms: number) => () => ({ sendAt: new Date(Date.now() + ms).toISOString() });

export const emailScenarios: Scenario[] = [
  email('send-now', {}),
  email('send-now-tagged', { plan: { searchAttributes: true }, tagged: true }),
  email('send-now-untagged-start', { plan: { searchAttributes: true } }),
  email('html-given', { input: { html: '<p>Ready-made</p>', enhance: true } }),
  email('send-at-waited-then-sent', { input: sendIn(3_000), act: waitingOnTimer }),
  email('send-at-in-the-past', { input: { sendAt: '2020-01-01T00:00:00.000Z' } }),
  email('cancelled-by-update', {
    input: sendIn(3_600_000),
    async act(r, id) {
      await waitingOnTimer(r, id);
      await r.client.workflow.getHandle(id).executeUpdate('cancel');
    },
  }),
  email('cancelled-by-signal', {
    input: sendIn(3_600_000),
    async act(r, id) {
      await waitingOnTimer(r, id);
      await r.client.workflow.getHandle(id).signal('cancel');
    },
  }),
  email('gemini-used', { input: { enhance: true }, enhancer: new FakeEnhancer(() => '<p>Line one, <b>enhanced</b></p>') }),
  email('gemini-refused-fallback', {
    input: { enhance: true },
    enhancer: new FakeEnhancer(() => {
      throw new EnhanceError('Gemini refused the request (400)', false, 400);
    }),
  }),
  email('gemini-retried-then-fallback', {
    input: { enhance: true },
    enhancer: new FakeEnhancer(() => {
      throw new EnhanceError('Gemini is overloaded (503)', true, 503);
    }),
  }),
  email('gemini-not-configured', { input: { enhance: true } }),
  email('send-retried-then-sent', { arrange: (w) => (w.smtp.fail = (_, n) => (n === 0 ? transient() : undefined)) }),
  email('primary-failed-fallback-sent', { plan: { fallback: 'ses' }, arrange: (w) => (w.smtp.fail = permanent) }),
  email('primary-retries-exhausted-fallback-sent', { plan: { fallback: 'ses' }, arrange: (w) => (w.smtp.fail = transient) }),
  email('failed-for-good', { arrange: (w) => (w.smtp.fail = permanent) }),
  email('retries-exhausted-failed', { arrange: (w) => (w.smtp.fail = transient) }),
  email('primary-and-fallback-failed', {
    plan: { fallback: 'ses' },
    arrange: (w) => {
      w.smtp.fail = permanent;
      w.ses.fail = permanent;
    },
  }),
  email('paced-provider', { plan: { sendTaskQueues: { smtp: 'the worker queue' } } }),
  // Issue 12: an email due now makes its first attempt as a local activity (under patched()); the
  // paths above recorded again on that code, beside the old ones (which stand for waiting emails).
  email('first-attempt-sent', { ledger: true }),
  email('first-attempt-sent-tagged', { ledger: true, plan: { searchAttributes: true }, tagged: true }),
  email('first-attempt-untagged-start', { ledger: true, plan: { searchAttributes: true } }),
  email('first-attempt-html-given', { ledger: true, input: { html: '<p>Ready-made</p>', enhance: true } }),
  email('first-attempt-retried-then-sent', { ledger: true, arrange: (w) => (w.smtp.fail = (_, n) => (n === 0 ? transient() : undefined)) }),
  email('first-attempt-permanent-fallback-sent', { ledger: true, plan: { fallback: 'ses' }, arrange: (w) => (w.smtp.fail = permanent) }),
  email('first-attempt-exhausted-fallback-sent', { ledger: true, plan: { fallback: 'ses' }, arrange: (w) => (w.smtp.fail = transient) }),
  email('first-attempt-failed-for-good', { ledger: true, arrange: (w) => (w.smtp.fail = permanent) }),
  email('first-attempt-retries-exhausted-failed', { ledger: true, arrange: (w) => (w.smtp.fail = transient) }),
  email('first-attempt-both-failed', {
    ledger: true,
    plan: { fallback: 'ses' },
    arrange: (w) => {
      w.smtp.fail = permanent;
      w.ses.fail = permanent;
    },
  }),
  email('first-attempt-paced', { ledger: true, plan: { sendTaskQueues: { smtp: 'the worker queue' } } }),
  // The same first attempts as the API starts them since it vouches for the patch (`knownPatches`):
  // no patch marker and no TemporalChangeVersion upsert.
  email('first-attempt-vouched-sent', { ledger: true, input: vouched }),
  email('first-attempt-vouched-sent-tagged', { ledger: true, input: vouched, plan: { searchAttributes: true }, tagged: true }),
  email('first-attempt-vouched-retried-then-sent', { ledger: true, input: vouched, arrange: (w) => (w.smtp.fail = (_, n) => (n === 0 ? transient() : undefined)) }),
  email('first-attempt-vouched-permanent-fallback-sent', { ledger: true, input: vouched, plan: { fallback: 'ses' }, arrange: (w) => (w.smtp.fail = permanent) }),
  email('first-attempt-vouched-failed-for-good', { ledger: true, input: vouched, arrange: (w) => (w.smtp.fail = permanent) }),
  email('first-attempt-vouched-paced', { ledger: true, input: vouched, plan: { sendTaskQueues: { smtp: 'the worker queue' } } }),
];
