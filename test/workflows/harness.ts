// A worker on the real dev server running the real workflow bundle, with activities the test chooses.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Activities, SendEmailActivityInput } from '../../activities/index.js';
import { messageIdFor } from '../../src/shared.js';
import { infra, testConfig } from '../support/env.js';

export { DOMAIN, fakeDeps } from './fake-deps.js';

let runtimeInstalled = false;

export interface Harness {
  client: Client;
  /** Runs `fn` while a worker serves these activities on a task queue of its own. */
  run<T>(activities: Activities, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openHarness(): Promise<Harness> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  }
  const native = await NativeConnection.connect({ address: infra.temporalAddress });
  const connection = await Connection.connect({ address: infra.temporalAddress });
  return {
    client: new Client({ connection }),
    async run(activities, fn) {
      const { taskQueue } = testConfig().temporal;
      const worker = await Worker.create({
        connection: native,
        taskQueue,
        workflowBundle: { codePath: infra.workflowBundle! },
        activities,
        shutdownForceTime: '5s',
      });
      return worker.runUntil(() => fn(taskQueue));
    },
    async close() {
      await connection.close();
      await native.close();
    },
  };
}

export interface SendCall {
  input: SendEmailActivityInput;
  at: number;
}

/** A sendEmail activity that records its input and, given a gate, blocks until it opens. */
export function fakeSend(calls: SendCall[], gate?: Promise<void>): Activities['sendEmail'] {
  return async (input) => {
    calls.push({ input, at: Date.now() });
    await gate;
    return { provider: input.provider, providerMessageId: `fake-${calls.length}`, messageId: input.messageId, attempt: Context.current().info.attempt };
  };
}

export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Polls `read` until `ok` holds. */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The single path's first attempt (a local activity) through the same fake: it records the same
 * call and returns the plan the real activities would. `fails`: the attempt fails transiently
 * (nothing recorded), so the regular sendEmail makes the next attempts.
 */
export function fakeFirstAttempt(activities: Activities, calls: SendCall[], opts: { gate?: Promise<void>; fails?: boolean } = {}): Activities['firstSendAttempt'] {
  return async (input) => {
    const plan = await activities.planDelivery();
    const messageId = messageIdFor(input.workflowId, plan.messageIdDomain);
    if (opts.fails) throw ApplicationFailure.create({ message: '421 4.3.0 try again later', type: 'SmtpTransient421', details: [{ attempt: 1, plan, messageId }] });
    const call = { workflowId: input.workflowId, messageId, provider: plan.primary, to: input.to, subject: input.subject, text: input.text, ...(input.html !== undefined ? { html: input.html } : {}) };
    calls.push({ input: call, at: Date.now() });
    await opts.gate;
    return { plan, messageId, sent: { provider: plan.primary, providerMessageId: `fake-${calls.length}`, messageId, attempt: 1 } };
  };
}

/** Activities whose sends (the first attempt and sendEmail) go to one recording fake. */
export function withFakeSends(activities: Activities, calls: SendCall[], opts: { gate?: Promise<void>; firstFails?: boolean } = {}): Activities {
  return { ...activities, sendEmail: fakeSend(calls, opts.gate), firstSendAttempt: fakeFirstAttempt(activities, calls, { fails: opts.firstFails }) };
}
