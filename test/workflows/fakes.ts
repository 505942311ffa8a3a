// Test doubles for the outside world (Mailer, Enhancer, TaskStore), for workflow tests.
import type { LedgerEntry, SendLedger } from '../../src/db/ledger.js';
import type { DueTaskPage, DueTaskQuery, ReminderKey, TaskCursor, TaskStore } from '../../src/db/tasks.js';
import type { EnhanceRequest, Enhancer } from '../../src/enhance/types.js';
import type { Mailer, OutgoingEmail, SendReceipt } from '../../src/mail/types.js';
import type { DueTask, ProviderName } from '../../src/shared.js';

/** Records every send; `fail` may throw (e.g. a MailError) for the n-th call (0-based). */
export class FakeMailer implements Mailer {
  readonly sent: (OutgoingEmail & { at: number })[] = [];
  calls = 0;
  fail?: (email: OutgoingEmail, n: number) => Error | undefined;

  constructor(readonly name: ProviderName) {}

  async send(email: OutgoingEmail): Promise<SendReceipt> {
    const n = this.calls++;
    const error = this.fail?.(email, n);
    if (error) throw error;
    this.sent.push({ ...email, at: Date.now() });
    return { providerMessageId: `${this.name}-${this.sent.length}` };
  }

  async close(): Promise<void> {}
}

export class FakeEnhancer implements Enhancer {
  readonly model = 'fake-model';
  readonly calls: EnhanceRequest[] = [];

  constructor(private readonly reply: (req: EnhanceRequest) => string | Promise<string>) {}

  async enhance(req: EnhanceRequest): Promise<string> {
    this.calls.push(req);
    return this.reply(req);
  }
}

interface Row {
  task: DueTask;
  notified: boolean;
  completed: boolean;
}

const ledgerKey = (taskId: string, dueAt: string) => `${taskId}@${Date.parse(dueAt)}`;

const byDueThenId = (a: { dueAt: string; taskId: string }, b: { dueAt: string; taskId: string }) =>
  Date.parse(a.dueAt) - Date.parse(b.dueAt) || (BigInt(a.taskId) < BigInt(b.taskId) ? -1 : BigInt(a.taskId) > BigInt(b.taskId) ? 1 : 0);

/**
 * In memory, with the real store's semantics: inclusive window, keyset paging on (dueAt, id), a
 * conditional mark, and the reminder ledger (task and due time to 'sent' or 'handed_off').
 */
export class FakeTaskStore implements TaskStore {
  readonly rows = new Map<string, Row>();
  readonly ledger = new Map<string, 'sent' | 'handed_off'>();
  readonly queries: DueTaskQuery[] = [];
  readonly pages: string[][] = [];
  markCalls = 0;
  /** Throw on this many markNotified calls before answering. */
  markFailures = 0;

  add(task: DueTask, opts: { notified?: boolean; completed?: boolean } = {}): void {
    this.rows.set(task.taskId, { task, notified: opts.notified ?? false, completed: opts.completed ?? false });
  }

  isNotified(taskId: string): boolean {
    return this.rows.get(taskId)?.notified ?? false;
  }

  unmarkAll(): void {
    for (const r of this.rows.values()) r.notified = false;
  }

  async findDue(q: DueTaskQuery): Promise<DueTaskPage> {
    this.queries.push(structuredClone(q));
    const from = Date.parse(q.windowStart);
    const to = Date.parse(q.windowEnd);
    const after: TaskCursor | undefined = q.after;
    const tasks = [...this.rows.values()]
      .filter((r) => !r.completed && !r.notified)
      .map((r) => r.task)
      .filter((t) => Date.parse(t.dueAt) >= from && Date.parse(t.dueAt) <= to)
      .filter((t) => !after || byDueThenId(t, after) > 0)
      .sort(byDueThenId)
      .slice(0, q.limit);
    this.pages.push(tasks.map((t) => t.taskId));
    const last = tasks.at(-1);
    const toSend = tasks.filter((t) => !this.ledger.has(ledgerKey(t.taskId, t.dueAt)));
    return {
      tasks: toSend,
      alreadyHandled: tasks.length - toSend.length,
      next: last && tasks.length === q.limit ? { dueAt: last.dueAt, taskId: last.taskId } : undefined,
    };
  }

  async handOff(reminders: ReminderKey[]): Promise<void> {
    for (const r of reminders) if (!this.ledger.has(ledgerKey(r.taskId, r.dueAt))) this.ledger.set(ledgerKey(r.taskId, r.dueAt), 'handed_off');
  }

  async releaseHandOff(taskId: string, dueAt: string): Promise<void> {
    if (this.ledger.get(ledgerKey(taskId, dueAt)) === 'handed_off') this.ledger.delete(ledgerKey(taskId, dueAt));
  }

  async markNotified(taskId: string, dueAt: string): Promise<boolean> {
    this.markCalls++;
    if (this.markFailures > 0) {
      this.markFailures--;
      throw new Error('connection terminated unexpectedly');
    }
    this.ledger.set(ledgerKey(taskId, dueAt), 'sent');
    const row = this.rows.get(taskId);
    if (!row || row.notified || Date.parse(row.task.dueAt) !== Date.parse(dueAt)) return false;
    row.notified = true;
    return true;
  }
}

let nextId = BigInt(Date.now()) * 1_000_000n;
/** Task ids unique across the whole run: reminder workflow ids live on the shared dev server. */
export function dueTask(dueAt: Date, over: Partial<DueTask> = {}): DueTask {
  const taskId = String(nextId++);
  return {
    taskId,
    title: `Task ${taskId}`,
    dueAt: dueAt.toISOString(),
    projectId: '7',
    projectName: 'Thesis',
    ownerId: '3',
    ownerEmail: 'owner@example.com',
    ownerName: 'Ada',
    ...over,
  };
}

/** The ledger's contract in memory: the first record of a Message-ID wins. */
export class MemoryLedger implements SendLedger {
  readonly rows = new Map<string, LedgerEntry>();
  lookups = 0;
  async find(messageId: string) {
    this.lookups++;
    return this.rows.get(messageId);
  }
  async findMany(ids: string[]) {
    return new Map(ids.flatMap((id) => (this.rows.has(id) ? [[id, this.rows.get(id)!] as const] : [])));
  }
  async record(e: LedgerEntry) {
    if (!this.rows.has(e.messageId)) this.rows.set(e.messageId, e);
  }
  async prune() {
    return 0;
  }
}
