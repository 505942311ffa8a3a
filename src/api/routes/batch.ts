import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { IDEMPOTENCY_KEY_PATTERN } from '../../shared.js';
import type { EmailGateway } from '../emails.js';
import { ApiError, invalid, isTemporalUnavailable, type FieldProblem } from '../errors.js';
import { readJson, toEmailInput } from '../requests.js';

export const MAX_BATCH = 100;

type ItemResult =
  | { index: number; status: 'queued'; workflow_id: string; idempotency_key: string; duplicate: boolean; status_url: string }
  | { index: number; status: 'rejected'; error: { code: string; message: string; details?: unknown }; httpStatus: number };

function rejected(index: number, err: unknown): ItemResult {
  const e =
    err instanceof ApiError
      ? err
      : isTemporalUnavailable(err)
        ? new ApiError(503, 'temporal_unavailable', 'The workflow service (Temporal) is unreachable; retry with the same idempotency_key')
        : new ApiError(500, 'internal_error', 'Internal error');
  // Field names say which message they belong to: messages.3.destinataire.
  const details = Array.isArray(e.details)
    ? (e.details as FieldProblem[]).map((p) => ({ ...p, field: p.field === 'body' ? `messages.${index}` : `messages.${index}.${p.field}` }))
    : e.details;
  return { index, status: 'rejected', httpStatus: e.status, error: { code: e.code, message: e.message, ...(details !== undefined ? { details } : {}) } };
}

/**
 * POST /messages: up to 100 emails in one request, each validated and started like POST /message, each
 * its own workflow. One bad message is reported by index; the others are queued all the same.
 */
export function batchRoutes(emails: EmailGateway, allowlist: string[], onAccepted: (duplicate: boolean) => void) {
  return new Hono().post('/', async (c) => {
    const raw = await readJson(c.req.raw);
    const body = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
    const extra = body ? Object.keys(body).filter((k) => k !== 'messages') : [];
    if (extra.length) throw invalid(extra.map((field) => ({ field, reason: 'is not a known field' })));
    const list = body?.messages;
    if (!Array.isArray(list)) throw invalid([{ field: 'messages', reason: 'must be an array of messages' }]);
    if (list.length < 1 || list.length > MAX_BATCH) throw invalid([{ field: 'messages', reason: `must hold 1 to ${MAX_BATCH} messages` }]);

    const results = await Promise.all(
      list.map(async (item: unknown, index): Promise<ItemResult> => {
        try {
          if (!item || typeof item !== 'object' || Array.isArray(item)) throw invalid([{ field: 'body', reason: 'must be a message object' }]);
          const { idempotency_key: given, ...message } = item as Record<string, unknown>;
          if (given !== undefined && (typeof given !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(given))) {
            throw invalid([{ field: 'idempotency_key', reason: 'must be 1 to 200 characters of A-Z a-z 0-9 . _ ~ : -' }]);
          }
          const input = toEmailInput(message, allowlist);
          // A generated key is returned, so that a client may resend the batch without duplicates.
          const key = (given as string | undefined) ?? randomUUID();
          const { workflowId, duplicate } = await emails.queue(input, key);
          onAccepted(duplicate);
          return { index, status: 'queued', workflow_id: workflowId, idempotency_key: key, duplicate, status_url: `/message/${encodeURIComponent(workflowId)}` };
        } catch (err) {
          return rejected(index, err);
        }
      }),
    );
    const queued = results.filter((r) => r.status === 'queued').length;
    const firstError = results.find((r) => r.status === 'rejected');
    const status = queued ? 202 : firstError && firstError.status === 'rejected' ? firstError.httpStatus : 400;
    return c.json(
      { queued, rejected: results.length - queued, results: results.map((r) => (r.status === 'rejected' ? { index: r.index, status: r.status, error: r.error } : r)) },
      status as 202,
    );
  });
}
