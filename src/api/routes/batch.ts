import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { IDEMPOTENCY_KEY_PATTERN } from '../../shared.js';
import type { BatchGateway, Queued } from '../batches.js';
import type { EmailGateway } from '../emails.js';
import { ApiError, invalid, isTemporalUnavailable, type FieldProblem } from '../errors.js';
import { readJson, toEmailInput, type RecipientRules } from '../requests.js';
import type { SendEmailInput } from '../../shared.js';

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
  // Field names say which message they belong to: messages.3.destinataire; a message's key is its
  // idempotency_key field here, where POST /message has the Idempotency-Key header.
  const inMessage = (field: string) => (field === 'body' ? `messages.${index}` : `messages.${index}.${field === 'Idempotency-Key' ? 'idempotency_key' : field}`);
  const details = Array.isArray(e.details)
    ? (e.details as FieldProblem[]).map((p) => ({ ...p, field: inMessage(p.field) }))
    : e.details;
  return { index, status: 'rejected', httpStatus: e.status, error: { code: e.code, message: e.message, ...(details !== undefined ? { details } : {}) } };
}

type Prepared = { index: number; input: SendEmailInput; key: string; given: boolean } | { index: number; failed: ItemResult };

/** The payload as the gateway compares it for an Idempotency-Key: the same fields, the same order. */
const samePayload = (a: SendEmailInput, b: SendEmailInput) =>
  JSON.stringify([a.to, a.subject, a.text, a.enhance, a.sendAt ?? null]) === JSON.stringify([b.to, b.subject, b.text, b.enhance, b.sendAt ?? null]);

async function prepare(item: unknown, index: number, rules: RecipientRules): Promise<Prepared> {
  try {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw invalid([{ field: 'body', reason: 'must be a message object' }]);
    const { idempotency_key: given, ...message } = item as Record<string, unknown>;
    const badKey: FieldProblem | undefined =
      given !== undefined && (typeof given !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(given))
        ? { field: 'idempotency_key', reason: 'must be 1 to 200 characters of A-Z a-z 0-9 . _ ~ : -' }
        : undefined;
    // Every problem of the message in one answer, the key's with the fields', so one fix is enough.
    const input = await toEmailInput(message, rules).catch((err: unknown) => {
      if (badKey && err instanceof ApiError && err.status === 400 && Array.isArray(err.details)) throw invalid([badKey, ...(err.details as FieldProblem[])]);
      throw err;
    });
    if (badKey) throw invalid([badKey]);
    // A generated key is returned, so that a client may resend the batch without duplicates.
    return { index, input, key: (given as string | undefined) ?? randomUUID(), given: given !== undefined };
  } catch (err) {
    return { index, failed: rejected(index, err) };
  }
}

/**
 * POST /messages: up to 100 emails in one request, each validated like POST /message. One bad message
 * is reported by index; the others are queued all the same.
 * Messages sharing an idempotency_key are resolved in index order, never by which start wins a race:
 * the first is started, a later one with the same payload is its duplicate, one with another payload
 * is an idempotency_conflict naming both indexes.
 * With `batches` (the API has a database), the messages to send now without enhancement go out in one
 * BatchSendWorkflow instead of a workflow each; the others (send_at, enhance) still get their own.
 */
export function batchRoutes(emails: EmailGateway, rules: RecipientRules, onAccepted: (duplicate: boolean) => void, batches?: BatchGateway) {
  return new Hono().post('/', async (c) => {
    // Read nowhere on this route: a client retrying a batch with the header would send it twice.
    if (c.req.header('idempotency-key') !== undefined)
      throw invalid([{ field: 'Idempotency-Key', reason: 'is not read by POST /messages: give each message its idempotency_key' }]);
    const raw = await readJson(c.req.raw);
    const body = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
    const extra = body ? Object.keys(body).filter((k) => k !== 'messages') : [];
    if (extra.length) throw invalid(extra.map((field) => ({ field, reason: 'is not a known field' })));
    const list = body?.messages;
    if (!Array.isArray(list)) throw invalid([{ field: 'messages', reason: 'must be an array of messages' }]);
    if (list.length < 1 || list.length > MAX_BATCH) throw invalid([{ field: 'messages', reason: `must hold 1 to ${MAX_BATCH} messages` }]);

    const prepared = await Promise.all(list.map((item: unknown, index) => prepare(item, index, rules)));
    const firstWithKey = new Map<string, number>();
    const laterOf = new Map<number, number>();
    const results: ItemResult[] = new Array(prepared.length);
    for (const p of prepared) {
      if ('failed' in p) {
        results[p.index] = p.failed;
        continue;
      }
      const first = p.given ? firstWithKey.get(p.key) : undefined;
      if (first === undefined) {
        if (p.given) firstWithKey.set(p.key, p.index);
        continue;
      }
      const earlier = prepared[first] as Extract<Prepared, { input: SendEmailInput }>;
      if (samePayload(earlier.input, p.input)) laterOf.set(p.index, first);
      else {
        results[p.index] = rejected(
          p.index,
          new ApiError(409, 'idempotency_conflict', `messages.${p.index} has the idempotency_key of messages.${first} with a different payload`, [
            { field: 'idempotency_key', reason: `is already used by messages.${first} in this batch, for a different payload` },
          ]),
        );
      }
    }
    const settle = (p: Extract<Prepared, { input: SendEmailInput }>, r: Queued | { error: unknown }) => {
      if ('error' in r) {
        results[p.index] = rejected(p.index, r.error);
        return;
      }
      onAccepted(r.duplicate);
      results[p.index] = { index: p.index, status: 'queued', workflow_id: r.workflowId, idempotency_key: p.key, duplicate: r.duplicate, status_url: `/message/${encodeURIComponent(r.workflowId)}` };
    };
    const toQueue = prepared.filter((p): p is Extract<Prepared, { input: SendEmailInput }> => !('failed' in p) && !results[p.index] && !laterOf.has(p.index));
    const batched = batches ? toQueue.filter((p) => !p.input.sendAt && !p.input.enhance) : [];
    const own = toQueue.filter((p) => !batched.includes(p));
    // Distinct keys start concurrently; the order among them changes nothing.
    await Promise.all([
      ...own.map(async (p) => settle(p, await emails.queue(p.input, p.key).catch((error: unknown) => ({ error })))),
      (async () => {
        if (!batched.length || !batches) return;
        const answers = await batches.queueBatch(batched.map((p) => ({ input: p.input, key: p.key }))).catch((error: unknown) => batched.map(() => ({ error })));
        batched.forEach((p, i) => settle(p, answers[i]!));
      })(),
    ]);
    // A later copy shares its first's fate: queued (as a duplicate) or rejected for the same reason.
    for (const [index, first] of laterOf) {
      const r = results[first]!;
      if (r.status === 'queued') {
        onAccepted(true);
        results[index] = { ...r, index, duplicate: true };
      } else {
        const details = Array.isArray(r.error.details)
          ? (r.error.details as FieldProblem[]).map((d) => ({ ...d, field: d.field.replace(`messages.${first}`, `messages.${index}`) }))
          : r.error.details;
        results[index] = { ...r, index, error: { ...r.error, ...(details !== undefined ? { details } : {}) } };
      }
    }
    const queued = results.filter((r) => r.status === 'queued').length;
    const firstError = results.find((r) => r.status === 'rejected');
    const status = queued ? 202 : firstError && firstError.status === 'rejected' ? firstError.httpStatus : 400;
    return c.json(
      { queued, rejected: results.length - queued, results: results.map((r) => (r.status === 'rejected' ? { index: r.index, status: r.status, error: r.error } : r)) },
      status as 202,
    );
  });
}
