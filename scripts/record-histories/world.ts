// The fakes the workflow tests use (test/workflows/fakes.ts), wired into activities for a recording.
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import type { DigestStore } from '../../src/db/tasks.js';
import type { Enhancer } from '../../src/enhance/types.js';
import type { DeliveryPlan, DueTask } from '../../src/shared.js';
import { DOMAIN, fakeDeps } from '../../test/workflows/fake-deps.js';
import { FakeMailer, FakeTaskStore } from '../../test/workflows/fakes.js';

export { DOMAIN };

/** Digest queries over the fake task store's rows, with the real store's rules (window, unnotified). */
export class FakeDigestStore implements DigestStore {
  constructor(private readonly store: FakeTaskStore) {}

  private due(windowStart: string, windowEnd: string): DueTask[] {
    const from = Date.parse(windowStart);
    const to = Date.parse(windowEnd);
    return [...this.store.rows.values()]
      .filter((r) => !r.completed && !r.notified && Date.parse(r.task.dueAt) >= from && Date.parse(r.task.dueAt) <= to)
      .map((r) => r.task);
  }

  async findDueOwners(q: { windowStart: string; windowEnd: string; afterOwnerId?: string; limit: number }): Promise<string[]> {
    const owners = [...new Set(this.due(q.windowStart, q.windowEnd).map((t) => t.ownerId))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    return owners.filter((o) => q.afterOwnerId === undefined || BigInt(o) > BigInt(q.afterOwnerId)).slice(0, q.limit);
  }

  async findDueForOwner(q: { ownerId: string; windowStart: string; windowEnd: string; limit: number }): Promise<DueTask[]> {
    return this.due(q.windowStart, q.windowEnd)
      .filter((t) => t.ownerId === q.ownerId)
      .slice(0, q.limit);
  }

  async markManyNotified(tasks: { taskId: string; dueAt: string }[]): Promise<number> {
    let marked = 0;
    for (const t of tasks) if (await this.store.markNotified(t.taskId, t.dueAt)) marked++;
    return marked;
  }
}

export interface World {
  smtp: FakeMailer;
  ses: FakeMailer;
  store: FakeTaskStore;
  activities: ReturnType<typeof createActivities>;
}

/**
 * SMTP primary, SES available as a fallback when the plan names it; the workflow tests' plan, with
 * two Gemini attempts (as every recorded history has).
 */
export function world(plan: Partial<Omit<DeliveryPlan, 'enhancerAvailable'>> = {}, enhancer?: Enhancer, extra: Partial<Omit<ActivityDeps, 'plan'>> = {}): World {
  const smtp = new FakeMailer('smtp');
  const ses = new FakeMailer('ses');
  const store = new FakeTaskStore();
  const deps = fakeDeps({ mailers: { smtp, ses }, enhancer, tasks: store, digests: new FakeDigestStore(store), ...extra }, { geminiMaxAttempts: 2, ...plan });
  return { smtp, ses, store, activities: createActivities(deps) };
}
