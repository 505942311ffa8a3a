import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Config } from './env.js';
import { SCHEDULE_ID } from './shared.js';

export function sweepScheduleOptions(config: Config): ScheduleOptions {
  return {
    scheduleId: SCHEDULE_ID,
    spec: { intervals: [{ every: config.sweep.intervalMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'DueTaskSweepWorkflow',
      workflowId: SCHEDULE_ID,
      taskQueue: config.temporal.taskQueue,
      args: [{}],
    },
    policies: {
      // A sweep still running when the next is due makes the next one pointless: skip it.
      overlap: ScheduleOverlapPolicy.SKIP,
      // The server's default is one year: after downtime that would be a storm of sweeps.
      catchupWindow: config.sweep.catchupWindowMs,
      pauseOnFailure: false,
    },
    memo: { purpose: 'Reminds project owners of tasks due within the sweep window' },
  };
}

/** Create or update, idempotent: every worker start and `npm run schedule` may call it. */
export async function ensureDueTaskSweepSchedule(client: Client, config: Config): Promise<'created' | 'updated'> {
  const options = sweepScheduleOptions(config);
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(SCHEDULE_ID).update((previous) => ({
    ...previous,
    spec: options.spec,
    action: { ...options.action, workflowType: 'DueTaskSweepWorkflow' } as typeof previous.action,
    policies: { ...previous.policies, ...options.policies },
  }));
  return 'updated';
}
