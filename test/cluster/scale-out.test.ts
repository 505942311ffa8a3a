import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { freePort, waitForPort } from '../../src/dev/ports.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import type { SweepSummary } from '../../src/shared.js';
import { createTestDatabase } from '../support/db.js';
import { exited, spawnService } from '../support/processes.js';
import { testClient } from '../support/worker.js';

const EMAILS = 500;
const TASKS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long before the kill a copy sent by the killed worker may have reached the sink unrecorded. */
const WINDOW_MS = 3_000;

/** Emails this worker process counted as accepted by the provider (its own /metrics). */
async function sentBy(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('mailer_emails_sent'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

// Scale out on the cluster: two worker processes and two API processes on one task queue. Emails
// come in through both APIs while a sweep of 2,000 due tasks runs, and one worker is SIGKILLed
// half-way: every email and reminder reaches the sink, both workers did part of the work, and a copy
// arrives twice only if the SIGKILL landed between the provider's answer and its record (the send
// ledger's row, a reminder's mark): its first copy reached the sink just before the kill, and there are
// at most as many as the killed worker had sends in flight (ten first attempts, ten sends of a page).
describe('two workers and two APIs on one task queue (cluster)', () => {
  const sink = new MailCatcher();
  const taskQueue = `scale-${randomUUID().slice(0, 8)}`;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const children: ChildProcess[] = [];
  const apis: string[] = [];
  const metrics: number[] = [];

  before(async () => {
    db = await createTestDatabase();
    await sink.start();
    const common = { TEMPORAL_TASK_QUEUE: taskQueue, SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(sink.port), DATABASE_URL: db.url, SWEEP_SCHEDULE_ON_START: 'false', LOG_LEVEL: 'error' };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      metrics.push(port);
      children.push(spawnService('worker', { ...common, WORKER_METRICS_PORT: String(port) }).child);
    }
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      apis.push(`http://127.0.0.1:${port}`);
      children.push(spawnService('server', { ...common, PORT: String(port) }).child);
    }
    await Promise.all([...metrics, ...apis.map((a) => Number(a.split(':').pop()))].map((p) => waitForPort(p, 90_000)));
    const [u] = await db.sql`INSERT INTO users (email, name) VALUES ('owner@scale.example', 'Owner') RETURNING id`;
    const [p] = await db.sql`INSERT INTO projects (name, owner_id) VALUES ('Scale', ${u!.id}) RETURNING id`;
    await db.sql`INSERT INTO tasks (project_id, title, due_at) SELECT ${p!.id}, 'scale-' || g, now() + interval '1 hour' + g * interval '1 second' FROM generate_series(1, ${TASKS}) g`;
  });
  after(async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map(exited));
    await sink.stop();
    await db?.drop();
  });

  test(`${EMAILS} emails through both APIs and a ${TASKS}-task sweep, one worker SIGKILLed mid-run: each email delivered, twice only if in flight at the kill, both workers worked`, async () => {
    const { client, close } = await testClient();
    try {
      const sweep = await client.workflow.start('DueTaskSweepWorkflow', { taskQueue, workflowId: `scale-sweep-${randomUUID()}`, args: [{}] });
      const accepted: string[] = [];
      let killedAfter = -1;
      let killedAt = 0;
      let sentByKilled = 0;
      const post = async (i: number) => {
        for (let attempt = 0; attempt < 60; attempt++) {
          const res = await fetch(`${apis[i % 2]}/message`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': `${taskQueue}-${i}` },
            body: JSON.stringify({ destinataire: `r${i}@scale.example`, sujet: `scale ${i}`, message: 'x' }),
          });
          if (res.status === 202) return void accepted.push(((await res.json()) as { workflow_id: string }).workflow_id);
          await sleep(500);
        }
        throw new Error(`email ${i} never accepted`);
      };
      for (let i = 0; i < EMAILS; i += 25) {
        await Promise.all(Array.from({ length: Math.min(25, EMAILS - i) }, (_, k) => post(i + k)));
        if (killedAfter < 0 && i >= EMAILS / 2) {
          // Half the emails are in: what the second worker sent so far, then it dies without warning.
          sentByKilled = await sentBy(metrics[1]!);
          killedAfter = accepted.length;
          killedAt = Date.now();
          children[1]!.kill('SIGKILL');
          await exited(children[1]!);
        }
      }
      assert.equal(accepted.length, EMAILS);

      const summary = (await sweep.result()) as SweepSummary;
      // Every task due is found once: a page retried after the kill counts what its lost attempt marked
      // (as already handled) although it no longer reads those tasks.
      assert.equal(summary.found, TASKS, `sweep found ${summary.found}`);
      const wanted = new Set(accepted.map((id) => `<${id}@polplana.work>`));
      const reminderTo = 'owner@scale.example';
      const deadline = Date.now() + 240_000;
      const emailsAtSink = () => sink.messages.filter((m) => m.messageId && wanted.has(m.messageId));
      const remindersAtSink = () => sink.messages.filter((m) => m.to === reminderTo);
      while ((new Set(emailsAtSink().map((m) => m.messageId)).size < EMAILS || new Set(remindersAtSink().map((m) => m.messageId)).size < TASKS) && Date.now() < deadline) await sleep(500);
      await sleep(2000); // a late duplicate would arrive now

      const emails = emailsAtSink();
      const reminders = remindersAtSink();
      assert.equal(new Set(emails.map((m) => m.messageId)).size, EMAILS, 'every accepted email arrived');
      assert.equal(new Set(reminders.map((m) => m.messageId)).size, TASKS, 'every due task got its reminder');
      const twice = (kind: string, caught: typeof emails) => {
        const copies = new Map<string, number[]>();
        for (const m of caught) copies.set(m.messageId!, [...(copies.get(m.messageId!) ?? []), Date.parse(m.receivedAt)]);
        const repeated = [...copies].filter(([, at]) => at.length > 1);
        for (const [id, at] of repeated) {
          const [first, ...again] = at.sort((a, b) => a - b);
          assert.equal(again.length, 1, `${kind} ${id} arrived ${at.length} times`);
          assert.ok(first! >= killedAt - WINDOW_MS && first! <= killedAt + 1_000, `${kind} ${id} arrived twice, its first copy ${first! - killedAt} ms from the kill: not a send in flight at the kill`);
          assert.ok(again[0]! > killedAt, `${kind} ${id}: its second copy came before the kill`);
        }
        assert.ok(repeated.length <= 10, `${repeated.length} ${kind}s arrived twice, more than the killed worker had in flight`);
        return `${repeated.length} ${kind}s${repeated.length ? ` (first copies ${repeated.map(([, at]) => at[0]! - killedAt).join(', ')} ms from the kill)` : ''}`;
      };
      const emailsTwice = twice('email', emails);
      const remindersTwice = twice('reminder', reminders);
      const [{ marked }] = (await db.sql`SELECT count(*)::int AS marked FROM tasks WHERE notification_sent`) as unknown as [{ marked: number }];
      assert.equal(marked, TASKS);

      const sentBySurvivor = await sentBy(metrics[0]!);
      console.log(`[scale-out] worker 1 sent ${sentBySurvivor}, worker 2 sent ${sentByKilled} before its SIGKILL after ${killedAfter} accepted emails; arrived twice: ${emailsTwice}, ${remindersTwice}`);
      assert.ok(sentByKilled > 0, 'the second worker did part of the work before it was killed');
      assert.ok(sentBySurvivor > 0, 'the first worker did part of the work');
    } finally {
      await close();
    }
  });
});
