import { serve } from '@hono/node-server';
import { createApp } from './api/app.js';
import { createBatchGateway } from './api/batches.js';
import { createEmailGateway } from './api/emails.js';
import { loadEnvOrExit } from './env.js';
import { createUtf8Check } from './mail/utf8-support.js';
import { createLogger } from './logger.js';
import { createLazyClient } from './temporal.js';
import { buildDeliveryDeps } from './api/delivery-deps.js';
import { createBatchMessageStore } from './db/batch-messages.js';
import { createSql } from './db/client.js';
import { migrate } from './db/migrate.js';

async function main() {
  const config = loadEnvOrExit();
  const logger = createLogger(config.logLevel, 'api', config.logFormat);
  const { client, connection } = createLazyClient(config);
  const timeout = config.http.temporalTimeoutMs;
  // With a database the API also takes SES events, keeps the suppression list and unsubscribes.
  const sql = config.databaseUrl ? createSql(config.databaseUrl) : undefined;
  if (sql) await migrate(sql);
  const single = createEmailGateway(client, config.temporal.taskQueue, timeout);
  // With a database, POST /messages sends each request's messages in one BatchSendWorkflow.
  const batched = sql ? createBatchGateway(client, config.temporal.taskQueue, timeout, createBatchMessageStore(sql), single) : undefined;
  const app = createApp({
    emails: batched?.emails ?? single,
    batches: batched?.batches,
    checkTemporal: async () => {
      await client.withDeadline(Date.now() + timeout, () => connection.workflowService.getSystemInfo({}));
    },
    logger,
    maxBodyBytes: config.http.maxBodyBytes,
    security: config.security,
    utf8LocalParts: createUtf8Check(config),
    delivery: sql ? buildDeliveryDeps(config, sql, client) : undefined,
  });
  const server = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port }, (info) =>
    logger.info({ port: info.port, temporal: config.temporal.address, taskQueue: config.temporal.taskQueue }, 'API listening'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return; // a second signal (Ctrl-C relayed by npm, then the stack's SIGTERM) changes nothing
    stopping = true;
    logger.info('API stopping');
    server.close(() => void Promise.all([connection.close(), sql?.end({ timeout: 5 })]).finally(() => process.exit(0)));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
