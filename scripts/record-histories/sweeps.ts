// DueTaskSweepWorkflow: the trigger (the schedule's or a hand-started one), its one run and the
// runs it continues as, and the children it starts (hand-offs, digests), on each path a sweep takes.
import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { Activities } from '../../activities/index.js';
import { MailError } from '../../src/mail/types.js';
import type { DeliveryPlan, SweepInput, SweepSettings } from '../../src/shared.js';
import { dueTask } from '../../test/workflows/fakes.js';
import { until, type Recorded, type Recorder, type Scenario } from './recorder.js';
import { world, type World } from './world.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const permanent = () => new MailError('550 5.1.1 no such user', 'SmtpPermanent550', true);
const transient = () => new MailError('421 4.3.0 try again later', 'SmtpTransient421', false);

interface Tree {
  parent: { workflowId: string; runId: string };
  run: { workflowId: string; runIds: string[] };
  /** Children of every run of the sweep, settled. */
  children: { workflowId: string; runId: string; type: string; ok: boolean }[];
}

/** The executions one sweep produced, once all of them (abandoned children too) have closed. */
async function tree(r: Recorder, workflowId: string, runId: string): Promise<Tree> {
  await r.settled(workflowId, runId);
  const [run] = await r.children(workflowId, runId);
  if (!run) throw new Error(`sweep ${workflowId} started no run`);
  await r.settled(run.workflowId, run.runId);
  const runIds = await r.runs(run.workflowId, run.runId);
  const children: Tree['children'] = [];
  for (const id of runIds) {
    for (const c of await r.children(run.workflowId, id)) {
      await r.settled(c.workflowId, c.runId);
      const { status } = await r.client.workflow.getHandle(c.workflowId, c.runId).describe();
      children.push({ ...c, ok: status.name === 'COMPLETED' });
    }
  }
  return { parent: { workflowId, runId }, run: { workflowId: run.workflowId, runIds }, children };
}

function pick(t: Tree, type: string, ok: boolean, file: string): Recorded {
  const c = t.children.find((x) => x.type === type && x.ok === ok);
  if (!c) throw new Error(`no ${ok ? 'completed' : 'failed'} ${type} child for ${file}`);
  return { file, workflowId: c.workflowId, runId: c.runId };
}

/** The first run and the last one, which must differ: the path is meant to continue as new. */
function firstAndLast(t: Tree, name: string): Recorded[] {
  if (t.run.runIds.length < 2) throw new Error(`${name}: the sweep did not continue as new`);
  return [
    { file: `DueTaskSweepWorkflow/${name}.run-1-continued-as-new`, workflowId: t.run.workflowId, runId: t.run.runIds[0]! },
    { file: `DueTaskSweepWorkflow/${name}.run-last`, workflowId: t.run.workflowId, runId: t.run.runIds.at(-1)! },
  ];
}

async function startSweep(r: Recorder, taskQueue: string, input: SweepInput) {
  return r.client.workflow.start('DueTaskSweepWorkflow', { taskQueue, workflowId: `sweep-${randomUUID()}`, args: [input] });
}

function tasks(w: World, n: number, over: (i: number) => Partial<Parameters<typeof dueTask>[1]> = () => ({})) {
  const now = Date.now();
  const out = Array.from({ length: n }, (_, i) => dueTask(new Date(now + (i + 1) * MINUTE), { ownerEmail: `owner${i}@example.com`, ...over(i) }));
  for (const t of out) w.store.add(t);
  return out;
}

function sweepPath(
  name: string,
  files: string[],
  opts: { plan?: Partial<Omit<DeliveryPlan, 'enhancerAvailable'>>; settings: SweepSettings; arrange(w: World): void; pick(t: Tree): Recorded[] },
): Scenario {
  return {
    files: files.map((f) => (f.includes('/') ? f : `DueTaskSweepWorkflow/${name}.${f}`)),
    async run(r) {
      const taskQueue = r.taskQueue(name);
      const plan = opts.plan?.sendTaskQueues ? { ...opts.plan, sendTaskQueues: { smtp: taskQueue } } : opts.plan;
      const w = world(plan);
      opts.arrange(w);
      return r.withWorker(taskQueue, w.activities, async () => {
        const handle = await startSweep(r, taskQueue, { windowStart: new Date().toISOString(), settings: opts.settings });
        return opts.pick(await tree(r, handle.workflowId, handle.firstExecutionRunId));
      });
    },
  };
}

const trigger = (t: Tree, name: string): Recorded => ({ file: `DueTaskSweepWorkflow/${name}.trigger`, ...t.parent });

/** A trigger that finds a sweep running, while the running one waits in its first page. */
const skipped: Scenario = {
  files: ['DueTaskSweepWorkflow/skipped.trigger'],
  async run(r) {
    const taskQueue = r.taskQueue('skipped');
    const w = world();
    tasks(w, 2);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let pages = 0;
    const activities: Activities = {
      ...w.activities,
      async sendReminderBatch(batch) {
        pages++;
        await gate;
        return w.activities.sendReminderBatch(batch);
      },
    };
    return r.withWorker(taskQueue, activities, async () => {
      const input = { windowStart: new Date().toISOString(), settings: { windowMs: DAY, pageSize: 50 } };
      const running = await startSweep(r, taskQueue, input);
      await until(async () => pages, (n) => n > 0, 'the first sweep in its page');
      const second = await startSweep(r, taskQueue, input);
      const summary = await second.result();
      if (!summary.skipped) throw new Error('the second sweep was not skipped');
      open();
      await running.result();
      return [{ file: 'DueTaskSweepWorkflow/skipped.trigger', workflowId: second.workflowId, runId: second.firstExecutionRunId }];
    });
  },
};

/** As production starts it: a Schedule's action, no settings in the input, the window from the nominal time. */
const scheduled: Scenario = {
  files: ['DueTaskSweepWorkflow/scheduled.trigger', 'DueTaskSweepWorkflow/scheduled.run'],
  async run(r) {
    const taskQueue = r.taskQueue('scheduled');
    const w = world({ searchAttributes: true });
    tasks(w, 2);
    return r.withWorker(taskQueue, w.activities, async () => {
      const schedule = await r.client.schedule.create({
        scheduleId: `histories-${randomUUID()}`,
        spec: { intervals: [{ every: '365 days' }] },
        action: { type: 'startWorkflow', workflowType: 'DueTaskSweepWorkflow', workflowId: 'due-task-sweep', taskQueue, args: [{}] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      });
      try {
        await schedule.trigger();
        const d = await until(() => schedule.describe(), (x) => x.info.recentActions.length > 0, 'the scheduled sweep');
        const { workflowId, firstExecutionRunId } = d.info.recentActions[0]!.action.workflow;
        const t = await tree(r, workflowId, firstExecutionRunId);
        return [trigger(t, 'scheduled'), { file: 'DueTaskSweepWorkflow/scheduled.run', workflowId: t.run.workflowId, runId: t.run.runIds[0]! }];
      } finally {
        await schedule.delete();
      }
    });
  },
};

export const sweepScenarios: Scenario[] = [
  // Pages of 3 over 7 tasks, a new run after each page; one send fails transiently (handed off, sent by its
  // own workflow), one permanently (reported), and one mark fails (marked by the workflow after the page).
  sweepPath('batch', ['trigger', 'run-1-continued-as-new', 'run-last', 'TaskReminderWorkflow/handed-off-from-sweep'], {
    settings: { windowMs: DAY, pageSize: 3, historyLimit: 10 },
    arrange(w) {
      const [, retried, , , bounced] = tasks(w, 7);
      let retriedOnce = false;
      w.smtp.fail = (e) => {
        if (e.to === bounced!.ownerEmail) return permanent();
        if (e.to === retried!.ownerEmail && !retriedOnce) return (retriedOnce = true), transient();
        return undefined;
      };
      w.store.markFailures = 1;
    },
    pick: (t) => [trigger(t, 'batch'), ...firstAndLast(t, 'batch'), pick(t, 'TaskReminderWorkflow', true, 'TaskReminderWorkflow/handed-off-from-sweep')],
  }),
  // A paced provider: nothing sent in batches, every reminder handed to its own workflow.
  sweepPath('paced', ['run', 'TaskReminderWorkflow/paced-from-sweep'], {
    plan: { sendTaskQueues: { smtp: 'the worker queue' } },
    settings: { windowMs: DAY, pageSize: 50 },
    arrange: (w) => void tasks(w, 2),
    pick: (t) => [{ file: 'DueTaskSweepWorkflow/paced.run', workflowId: t.run.workflowId, runId: t.run.runIds[0]! }, pick(t, 'TaskReminderWorkflow', true, 'TaskReminderWorkflow/paced-from-sweep')],
  }),
  // Digest mode, one owner a page and a new run after each: one digest sent, one failing for good.
  sweepPath('digest', ['trigger', 'run-1-continued-as-new', 'run-last', 'OwnerDigestWorkflow/sent-from-sweep', 'OwnerDigestWorkflow/failed-from-sweep'], {
    plan: { searchAttributes: true },
    settings: { windowMs: DAY, pageSize: 1, historyLimit: 10, digest: true },
    arrange(w) {
      const [a, b] = [dueTask(new Date()).taskId, dueTask(new Date()).taskId];
      tasks(w, 3, (i) => (i < 2 ? { ownerId: a, ownerEmail: 'a@example.com' } : { ownerId: b, ownerEmail: 'b@example.com' }));
      w.smtp.fail = (e) => (e.to === 'b@example.com' ? permanent() : undefined);
    },
    pick: (t) => [
      trigger(t, 'digest'),
      ...firstAndLast(t, 'digest'),
      pick(t, 'OwnerDigestWorkflow', true, 'OwnerDigestWorkflow/sent-from-sweep'),
      pick(t, 'OwnerDigestWorkflow', false, 'OwnerDigestWorkflow/failed-from-sweep'),
    ],
  }),
  skipped,
  scheduled,
];
