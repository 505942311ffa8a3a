// Daily digests: the owners with due tasks, one owner's digest email, and the marks after it is sent.
import type { DueTask, RenderedEmail } from '../src/shared.js';
import { renderDigest } from '../src/reminders/render.js';
import { requireDigests, type ActivityDeps } from './deps.js';

const DIGEST_MAX_TASKS = 500;

export function digestActivities(deps: ActivityDeps) {
  return {
    async findDueOwners(input: { windowStart: string; windowEnd: string; afterOwnerId?: string; limit: number }): Promise<string[]> {
      return requireDigests(deps).findDueOwners(input);
    },

    /** An owner's due tasks (identity only, to keep history small) and the digest email listing them. */
    async buildDigest(input: {
      ownerId: string;
      windowStart: string;
      windowEnd: string;
    }): Promise<{ tasks: Pick<DueTask, 'taskId' | 'dueAt'>[]; email?: RenderedEmail }> {
      const tasks = await requireDigests(deps).findDueForOwner({ ...input, limit: DIGEST_MAX_TASKS });
      if (!tasks.length) return { tasks: [] };
      return { tasks: tasks.map(({ taskId, dueAt }) => ({ taskId, dueAt })), email: renderDigest(tasks, deps.reminders) };
    },

    async markTasksNotified(input: { tasks: { taskId: string; dueAt: string }[] }): Promise<{ marked: number }> {
      return { marked: await requireDigests(deps).markManyNotified(input.tasks) };
    },
  };
}
