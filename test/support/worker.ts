import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type Worker, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/index.js';
import type { Config } from '../../src/env.js';
import { createSendWorkers, createWorker } from '../../src/worker/create.js';
import { buildWorkerResources } from '../../src/worker/deps.js';
import { infra } from './env.js';

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

export interface TestWorker {
  worker: Worker;
  client: Client;
  deps: ActivityDeps;
  stop(): Promise<void>;
}

/** The real worker (real activities and clients, as src/worker.ts builds them) on this config's queue. */
export async function startTestWorker(
  config: Config,
  opts: { patchDeps?: (deps: ActivityDeps) => ActivityDeps; overrides?: Partial<WorkerOptions> } = {},
): Promise<TestWorker> {
  quietRuntime();
  // test/run.ts registers the Mail* search attributes on its dev server.
  const resources = await buildWorkerResources(config, { searchAttributes: true });
  const deps = opts.patchDeps ? opts.patchDeps(resources.deps) : resources.deps;
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createWorker({ connection, config, deps, bundlePath: infra.workflowBundle, overrides: opts.overrides });
  const senders = await createSendWorkers({ connection, config, deps });
  const running = Promise.all([worker.run(), ...senders.map((s) => s.run())]);
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  return {
    worker,
    client,
    deps,
    async stop() {
      worker.shutdown();
      for (const s of senders) s.shutdown();
      await running;
      await resources.close();
      await clientConnection.close();
      await connection.close();
    },
  };
}

export async function testClient(address = infra.temporalAddress): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection }), close: () => connection.close() };
}
