// `npm run schedule`: create or update the due-task-sweep schedule from the current configuration.
import { Client, Connection } from '@temporalio/client';
import { loadEnvOrExit } from './env.js';
import { ensureDueTaskSweepSchedule } from './schedule.js';
import { SCHEDULE_ID } from './shared.js';
import { connectionOptions } from './temporal.js';

async function main() {
  const config = loadEnvOrExit();
  const connection = await Connection.connect(connectionOptions(config.temporal));
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const outcome = await ensureDueTaskSweepSchedule(client, config);
    console.log(`schedule ${SCHEDULE_ID} ${outcome}: every ${config.sweep.intervalMs / 60_000} min, overlap skip, catch-up window ${config.sweep.catchupWindowMs / 60_000} min`);
  } finally {
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
