// POST /messages through one BatchSendWorkflow per request: each message is a row of batch_messages
// under the id its own workflow would have had, so GET and DELETE /message/:id and the idempotency
// key work as for POST /message. The EmailGateway is wrapped so that both paths see each other's keys.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { BatchMessage, BatchMessageStore } from '../db/batch-messages.js';
import { messageWorkflowId, type EmailStatus, type SendEmailInput } from '../shared.js';
import { requestHash, type EmailGateway } from './emails.js';
import { ApiError, idempotencyConflict, isTemporalUnavailable } from './errors.js';
import { kindTag } from './start-tags.js';

export type Queued = { workflowId: string; duplicate: boolean };

export interface BatchGateway {
  /** Messages to send now without enhancement, queued in one BatchSendWorkflow; one answer each, in order. */
  queueBatch(items: { input: SendEmailInput; key: string }[]): Promise<(Queued | { error: unknown })[]>;
}


function statusOf(m: BatchMessage, over: Partial<EmailStatus> = {}): EmailStatus {
  return {
    id: m.id,
    state: m.state === 'handed_off' ? 'queued' : m.state,
    to: m.to,
    subject: m.subject,
    messageId: m.messageId ?? '',
    enhancement: { used: 'none' },
    attempts: m.attempts,
    ...(m.provider ? { provider: m.provider } : {}),
    ...(m.providerMessageId ? { providerMessageId: m.providerMessageId } : {}),
    ...(m.error ? { error: m.error } : {}),
    ...(m.state === 'sent' ? { sentAt: m.updatedAt } : {}),
    ...over,
  };
}

export function createBatchGateway(client: Client, taskQueue: string, timeoutMs: number, store: BatchMessageStore, single: EmailGateway) {
  const bounded = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + timeoutMs, fn);
  const batchTag = kindTag(client, 'batch');

  const emails: EmailGateway = {
    async queue(input, idempotencyKey) {
      if (idempotencyKey) {
        // A key a batch already holds is that batch's email; the database being down leaves it to Temporal.
        const holder = await store.reserveSingle(messageWorkflowId(idempotencyKey), requestHash(input)).catch(() => true as const);
        if (holder !== true && holder.kind === 'batch') {
          if (holder.requestHash !== requestHash(input)) throw idempotencyConflict();
          return { workflowId: holder.id, duplicate: true };
        }
      }
      return single.queue(input, idempotencyKey);
    },
    async status(id) {
      const m = await store.get(id);
      if (!m) return single.status(id);
      if (m.state !== 'handed_off') return statusOf(m);
      try {
        return await single.status(id);
      } catch (err) {
        // Handed off, its own workflow not started yet: still queued.
        if (err instanceof ApiError && err.status === 404) return statusOf(m);
        throw err;
      }
    },
    async cancel(id) {
      const m = await store.get(id);
      if (!m || m.state === 'handed_off') return single.cancel(id);
      const after = m.state === 'queued' ? await store.cancel(id) : m;
      if (after?.state === 'cancelled') return { status: statusOf(after), requested: false };
      const state = after ? statusOf(after).state : m.state;
      throw new ApiError(409, 'not_cancellable', `The email is already ${state} and cannot be cancelled`, { state });
    },
  };

  const batches: BatchGateway = {
    async queueBatch(items) {
      const batchId = `batch-${randomUUID()}`;
      const rows = items.map(({ input, key }) => ({ id: messageWorkflowId(key), requestHash: requestHash(input), to: input.to, subject: input.subject, text: input.text }));
      const inserted = await store.insertBatch(batchId, rows);
      const taken = await store.holders(rows.filter((r) => !inserted.has(r.id)).map((r) => r.id));
      const holderOf = new Map(taken.map((h) => [h.id, h]));
      if (inserted.size) {
        try {
          const typedSearchAttributes = await bounded(() => batchTag());
          await bounded(() => client.workflow.start('BatchSendWorkflow', { workflowId: batchId, taskQueue, args: [], memo: { messages: inserted.size }, typedSearchAttributes }));
        } catch (err) {
          const started = isTemporalUnavailable(err) && (await bounded(() => client.workflow.getHandle(batchId).describe()).then(() => true, () => false));
          if (!started) {
            await store.dropBatch(batchId);
            return items.map(() => ({ error: err }));
          }
        }
      }
      return Promise.all(
        items.map(async ({ input, key }, i): Promise<Queued | { error: unknown }> => {
          const row = rows[i]!;
          if (inserted.has(row.id)) return { workflowId: row.id, duplicate: false };
          const holder = holderOf.get(row.id);
          if (holder?.kind === 'batch') return holder.requestHash === row.requestHash ? { workflowId: row.id, duplicate: true } : { error: idempotencyConflict() };
          // Held by POST /message (or pruned meanwhile): Temporal's id policy decides, as for POST /message.
          return single.queue(input, key).catch((error: unknown) => ({ error }));
        }),
      );
    },
  };

  return { emails, batches };
}
