import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { ensureDueTaskSweepSchedule } from '../../src/schedule.js';
import { SCHEDULE_ID } from '../../src/shared.js';
import { testConfig } from '../support/env.js';
import { testClient } from '../support/worker.js';

describe('ensureDueTaskSweepSchedule (worker start-up and npm run schedule)', () => {
  let t: Awaited<ReturnType<typeof testClient>>;
  before(async () => {
    t = await testClient();
    await t.client.schedule.getHandle(SCHEDULE_ID).delete().catch(() => {});
  });
  after(async () => {
    await t.client.schedule.getHandle(SCHEDULE_ID).delete().catch(() => {});
    await t.close();
  });

  test('creates once, then updates in place from the current configuration (idempotent)', async () => {
    const first = testConfig();
    assert.equal(await ensureDueTaskSweepSchedule(t.client, first), 'created');
    assert.equal(await ensureDueTaskSweepSchedule(t.client, first), 'updated');
    const changed = testConfig({ SWEEP_INTERVAL: '15m', SWEEP_CATCHUP_WINDOW: '5m' });
    assert.equal(await ensureDueTaskSweepSchedule(t.client, changed), 'updated');
    const d = await t.client.schedule.getHandle(SCHEDULE_ID).describe();
    assert.equal(d.spec.intervals?.[0]?.every, 15 * 60_000);
    assert.equal(d.policies.catchupWindow, 5 * 60_000);
    assert.equal(d.policies.overlap, ScheduleOverlapPolicy.SKIP);
    assert.equal(d.action.type === 'startWorkflow' && d.action.taskQueue, changed.temporal.taskQueue);
    assert.equal(d.action.type === 'startWorkflow' && d.action.workflowType, 'DueTaskSweepWorkflow');
  });
});
