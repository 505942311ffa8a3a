// The L2 worker, in its own process like the service's worker, with the SDK's default options.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { QUIET_BUNDLER_LOGGER } from '../scripts/workflow-bundle.mjs';

const [address, taskQueue] = process.argv.slice(2) as [string, string];
Runtime.install({ logger: new DefaultLogger('ERROR') });
const connection = await NativeConnection.connect({ address });
const workflowsPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'floor-workflows.ts');
const worker = await Worker.create({
  connection,
  taskQueue,
  workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: QUIET_BUNDLER_LOGGER }),
  activities: { plan: async () => ({}), send: async () => ({}) },
});
process.once('SIGTERM', () => worker.shutdown());
process.send?.({ ready: true });
await worker.run();
await connection.close();
