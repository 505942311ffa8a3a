// Every activity the worker registers, composed from one file per concern. Activity names are the
// contract with recorded histories: a name here never changes.
import { batchActivities } from './batch.js';
import type { ActivityDeps } from './deps.js';
import { digestActivities } from './digests.js';
import { enhanceActivities } from './enhance.js';
import { reminderActivities } from './reminders.js';
import { sendActivities } from './send.js';
import { webhookActivities } from './webhooks.js';

export type { ActivityDeps } from './deps.js';
export type { SendEmailActivityInput, SendEmailActivityResult } from './send.js';
export type { ReminderBatchInput, ReminderBatchResult } from './reminders.js';
export type { BatchHandOff, BatchMessageOutcome, MessageBatchResult } from './batch.js';

/** Activities are built from injected clients, once per worker (house style: dependency injection). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...sendActivities(deps),
    ...enhanceActivities(deps),
    ...reminderActivities(deps),
    ...digestActivities(deps),
    ...batchActivities(deps),
    ...webhookActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
