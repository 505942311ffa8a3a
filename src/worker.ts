import { Client } from '@temporalio/client';
import { loadEnvOrExit } from './env.js';
import { createLogger } from './logger.js';
import { ensureDueTaskSweepSchedule } from './schedule.js';
import { connectOrExplain } from './temporal.js';
import { connectWorker, createSendWorkers, createWorker } from './worker/create.js';
import { buildWorkerResources } from './worker/deps.js';
import { applyHeapLimit } from './worker/heap.js';
import { installRuntime } from './worker/runtime.js';
import { ensureSearchAttributes } from './search-attributes.js';

async function main() {
  const config = loadEnvOrExit();
  const logger = createLogger(config.logLevel, 'worker', config.logFormat);
  applyHeapLimit(config.temporal.workerMemory.heapLimitMb, logger);
  installRuntime(logger, config.temporal.workerMetricsPort);
  const clientConnection = await connectOrExplain(config.temporal);
  const searchAttributes = await ensureSearchAttributes(clientConnection, config.temporal.namespace, logger);
  const resources = await buildWorkerResources(config, { searchAttributes });
  const connection = await connectWorker(config);
  try {
    if (config.sweep.scheduleOnStart && resources.deps.tasks) {
      const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
      const outcome = await ensureDueTaskSweepSchedule(client, config);
      logger.info({ scheduleId: 'due-task-sweep', outcome, everyMs: config.sweep.intervalMs }, 'sweep schedule ready');
    } else if (!resources.deps.tasks) {
      logger.warn('DATABASE_URL is not set: due-task reminders are off on this worker');
    }
    const worker = await createWorker({ connection, config, deps: resources.deps, bundlePath: config.temporal.workflowBundlePath });
    const senders = await createSendWorkers({ connection, config, deps: resources.deps });
    logger.info(
      {
        taskQueue: config.temporal.taskQueue,
        provider: config.mail.provider,
        fallback: config.mail.fallback ?? null,
        gemini: !!config.gemini.apiKey,
        pacedSendQueues: senders.map((w) => w.options.taskQueue),
      },
      'worker started',
    );
    // run() resolves after SIGINT/SIGTERM once in-flight tasks finish (the SDK installs the handlers).
    await Promise.all([worker.run(), ...senders.map((w) => w.run())]);
    logger.info('worker stopped');
  } finally {
    await resources.close();
    await clientConnection.close();
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
