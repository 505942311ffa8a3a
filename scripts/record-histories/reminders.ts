// TaskReminderWorkflow and OwnerDigestWorkflow started on their own (the sweep starts them too: sweeps.ts).
import { renderReminder } from '../../src/reminders/render.js';
import { digestWorkflowId, reminderWorkflowId, type DeliveryPlan } from '../../src/shared.js';
import { dueTask } from '../../test/workflows/fakes.js';
import { MailError } from '../../src/mail/types.js';
import type { Scenario } from './recorder.js';
import { world, type World } from './world.js';

const permanent = () => new MailError('550 5.1.1 no such user', 'SmtpPermanent550', true);
const SOON = () => new Date(Date.now() + 3_600_000);

function reminder(name: string, plan: Partial<Omit<DeliveryPlan, 'enhancerAvailable'>>, arrange: (w: World) => void = () => {}): Scenario {
  const file = `TaskReminderWorkflow/${name}`;
  return {
    files: [file],
    async run(r) {
      const w = world(plan);
      arrange(w);
      const task = dueTask(SOON());
      w.store.add(task);
      const workflowId = reminderWorkflowId(task.taskId, task.dueAt);
      const taskQueue = r.taskQueue(name);
      const args = [{ task, email: renderReminder(task, { timeZone: 'UTC' }), plan: await w.activities.planDelivery() }];
      const runId = await r.withWorker(taskQueue, w.activities, async () => {
        const handle = await r.client.workflow.start('TaskReminderWorkflow', { taskQueue, workflowId, args });
        await r.settled(workflowId);
        return handle.firstExecutionRunId;
      });
      return [{ file, workflowId, runId }];
    },
  };
}

function digest(name: string, tasks: number, arrange: (w: World) => void = () => {}): Scenario {
  const file = `OwnerDigestWorkflow/${name}`;
  return {
    files: [file],
    async run(r) {
      const w = world({ searchAttributes: true });
      arrange(w);
      const ownerId = dueTask(SOON()).taskId;
      for (let i = 0; i < tasks; i++) w.store.add(dueTask(SOON(), { ownerId, ownerEmail: `owner-${ownerId}@example.com` }));
      const now = Date.now();
      const args = [{ ownerId, windowStart: new Date(now).toISOString(), windowEnd: new Date(now + 86_400_000).toISOString(), plan: await w.activities.planDelivery() }];
      const workflowId = digestWorkflowId(ownerId);
      const taskQueue = r.taskQueue(name);
      const runId = await r.withWorker(taskQueue, w.activities, async () => {
        const handle = await r.client.workflow.start('OwnerDigestWorkflow', { taskQueue, workflowId, args });
        await r.settled(workflowId);
        return handle.firstExecutionRunId;
      });
      return [{ file, workflowId, runId }];
    },
  };
}

export const reminderScenarios: Scenario[] = [
  reminder('sent', {}),
  reminder('sent-tagged', { searchAttributes: true }),
  reminder('primary-failed-fallback-sent', { fallback: 'ses' }, (w) => (w.smtp.fail = permanent)),
  reminder('failed-released', {}, (w) => (w.smtp.fail = permanent)),
  reminder('mark-retried', {}, (w) => (w.store.markFailures = 2)),
  digest('sent', 2),
  digest('nothing-due', 0),
  digest('failed', 2, (w) => (w.smtp.fail = permanent)),
];
