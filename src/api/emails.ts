// What the routes ask of Temporal: start, read and cancel one SendEmailWorkflow.
import { createHash, randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { cancelSignal, cancelUpdate, statusQuery } from '../../workflows/definitions.js';
import { KNOWN_PATCHES, messageWorkflowId, type EmailStatus, type SendEmailInput } from '../shared.js';
import { ApiError, idempotencyConflict, isTemporalUnavailable } from './errors.js';
import { startTags } from './start-tags.js';

export interface EmailGateway {
  queue(input: SendEmailInput, idempotencyKey?: string): Promise<{ workflowId: string; duplicate: boolean }>;
  status(id: string): Promise<EmailStatus>;
  /** `requested`: no worker answered in time; Temporal keeps the request and it applies when one does. */
  cancel(id: string): Promise<{ status: EmailStatus; requested: boolean }>;
}

/** What an Idempotency-Key is compared on: the same key with another payload is a conflict. */
export function requestHash(input: SendEmailInput): string {
  const canonical = JSON.stringify([input.to, input.subject, input.text, input.enhance, input.sendAt ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}

interface Memo {
  requestHash?: string;
  to?: string;
  subject?: string;
  sendAt?: string;
}

function isFailureWithStatus(err: unknown): EmailStatus | undefined {
  const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
  const details = (cause as { details?: unknown[] } | undefined)?.details;
  const first = details?.[0] as EmailStatus | undefined;
  return first && typeof first === 'object' && 'state' in first ? first : undefined;
}

export function createEmailGateway(client: Client, taskQueue: string, timeoutMs: number): EmailGateway {
  const bounded = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + timeoutMs, fn);
  const tagsFor = startTags(client);

  async function describeEmail(id: string) {
    const handle = client.workflow.getHandle(id);
    try {
      const d = await bounded(() => handle.describe());
      if (d.type !== 'SendEmailWorkflow') throw new WorkflowNotFoundError('not an email', id, undefined);
      return { handle, d };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'not_found', `No email with id ${id}`);
      throw err;
    }
  }

  async function serverAnswers(): Promise<boolean> {
    try {
      await bounded(() => client.connection.workflowService.getSystemInfo({}));
      return true;
    } catch {
      return false;
    }
  }

  async function status(id: string): Promise<EmailStatus> {
    const { handle, d } = await describeEmail(id);
    const memo = (d.memo ?? {}) as Memo;
    const skeleton: EmailStatus = {
      id,
      state: 'queued',
      to: memo.to ?? '',
      subject: memo.subject ?? '',
      sendAt: memo.sendAt,
      messageId: '',
      enhancement: { used: 'none' },
      attempts: 0,
    };
    switch (d.status.name) {
      case 'COMPLETED':
        return (await bounded(() => handle.result())) as EmailStatus;
      case 'FAILED':
        try {
          await bounded(() => handle.result());
        } catch (err) {
          const s = isFailureWithStatus(err);
          if (s) return s;
          return { ...skeleton, state: 'failed', error: { message: (err as Error).message } };
        }
        return { ...skeleton, state: 'failed' };
      case 'RUNNING': {
        const pending = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'sendEmail');
        // What the server alone knows, for when no worker answers the query (none polling, or busy).
        const known: EmailStatus = pending
          ? { ...skeleton, state: 'sending', attempts: pending.attempt ?? 0, lastError: pending.lastFailure?.message ?? undefined }
          : d.raw.pendingActivities?.some((a) => a.activityType?.name === 'enhanceEmail')
            ? { ...skeleton, state: 'enhancing' }
            : memo.sendAt && Date.parse(memo.sendAt) > Date.now()
              ? { ...skeleton, state: 'scheduled' }
              : skeleton;
        // Only "started" and "task scheduled" in history: no worker has picked it up, nothing to ask.
        if (d.historyLength <= 2) return known;
        let live: EmailStatus;
        try {
          live = await bounded(() => handle.query(statusQuery));
        } catch (err) {
          if (isTemporalUnavailable(err) && !(await serverAnswers())) throw err;
          return known;
        }
        if (pending && live.state === 'sending') {
          return { ...live, attempts: pending.attempt ?? live.attempts, lastError: pending.lastFailure?.message ?? undefined };
        }
        return live;
      }
      case 'CANCELLED':
        return { ...skeleton, state: 'cancelled' };
      default:
        return { ...skeleton, state: 'failed', error: { message: `workflow ${d.status.name.toLowerCase()}` } };
    }
  }

  return {
    async queue(input, idempotencyKey) {
      const workflowId = messageWorkflowId(idempotencyKey ?? randomUUID());
      const hash = requestHash(input);
      try {
        const typedSearchAttributes = await bounded(() => tagsFor(input.to));
        await bounded(() =>
          client.workflow.start('SendEmailWorkflow', {
            workflowId,
            taskQueue,
            args: [{ ...input, knownPatches: KNOWN_PATCHES }],
            // Same key, same workflow: refused even after the first one completed.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            workflowIdConflictPolicy: 'FAIL',
            memo: { requestHash: hash, to: input.to, subject: input.subject, sendAt: input.sendAt },
            typedSearchAttributes,
          }),
        );
        return { workflowId, duplicate: false };
      } catch (err) {
        if (isTemporalUnavailable(err)) {
          // The start may have reached the server before the answer was lost: a retry without an
          // Idempotency-Key must not send a second email, so say "queued" when it exists.
          const exists = await bounded(() => client.workflow.getHandle(workflowId).describe()).then(
            () => true,
            () => false,
          );
          if (exists) return { workflowId, duplicate: false };
          throw err;
        }
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        const d = await bounded(() => client.workflow.getHandle(workflowId).describe());
        if ((d.memo as Memo | undefined)?.requestHash !== hash) {
          throw idempotencyConflict();
        }
        return { workflowId, duplicate: true };
      }
    },

    status,

    async cancel(id) {
      const { handle, d } = await describeEmail(id);
      if (d.status.name === 'RUNNING') {
        try {
          return { status: await bounded(() => handle.executeUpdate(cancelUpdate)), requested: false };
        } catch (err) {
          if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
            // No worker took the update in time; a signal is durable and applies when one does.
            await bounded(() => handle.signal(cancelSignal));
            return { status: await status(id), requested: true };
          }
          if (!(err instanceof WorkflowUpdateFailedError)) throw err;
        }
      }
      const current = await status(id);
      if (current.state === 'cancelled') return { status: current, requested: false };
      throw new ApiError(409, 'not_cancellable', `The email is already ${current.state} and cannot be cancelled`, { state: current.state });
    },
  };
}
