import { Hono } from 'hono';
import { SUPPRESSION_REASONS, type Suppression, type SuppressionReason, type SuppressionStore } from '../../db/suppressions.js';
import { CONTROL, parseRecipient } from '../../mail/address.js';
import { ApiError, invalid } from '../errors.js';
import { parseJson, queryOnce, readText } from '../requests.js';

const present = (s: { address: string; scope: string; reason: string; source: string; detail?: string; createdAt: string }) => ({
  address: s.address,
  scope: s.scope,
  reason: s.reason,
  source: s.source,
  detail: s.detail ?? null,
  created_at: s.createdAt,
});

/** The path's address: Hono has already decoded its percent-encoding once, which is all it has. */
function address(raw: string): string {
  const parsed = parseRecipient(raw);
  if (!parsed.ok) throw invalid([{ field: 'address', reason: parsed.reason }]);
  return parsed.recipient.address.toLowerCase();
}

/** GET /suppressions (paginated, ?reason=), PUT and DELETE /suppressions/:address. */
export function suppressionRoutes(store: SuppressionStore, onSuppressed: (s: Suppression) => Promise<void>) {
  return new Hono()
    .get('/', async (c) => {
      const reason = queryOnce(c.req, 'reason');
      if (reason !== undefined && !SUPPRESSION_REASONS.includes(reason as SuppressionReason))
        throw invalid([{ field: 'reason', reason: `must be one of ${SUPPRESSION_REASONS.join(', ')}` }]);
      const limitText = queryOnce(c.req, 'limit') ?? '50';
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid([{ field: 'limit', reason: 'must be a whole number from 1 to 500' }]);
      const cursor = queryOnce(c.req, 'cursor');
      // A cursor is the `next_cursor` of an earlier page: an address and a scope, never a control character.
      if (cursor !== undefined && (cursor.length > 1_000 || CONTROL.test(cursor)))
        throw invalid([{ field: 'cursor', reason: 'must be the next_cursor of an earlier page' }]);
      const page = await store.list({ reason: reason as SuppressionReason | undefined, after: cursor, limit });
      return c.json({ items: page.items.map(present), next_cursor: page.next ?? null });
    })
    .put('/:address', async (c) => {
      const addr = address(c.req.param('address'));
      // Strict, as POST /message reads its body: bytes that are not UTF-8, or an unpaired surrogate
      // escape, are a 400, never stored as U+FFFD.
      const text = await readText(c.req.raw);
      let body: Record<string, unknown> = {};
      if (text.trim()) {
        body = parseJson(text, 'must be JSON ({"reason": "...", "detail": "..."}) or empty') as Record<string, unknown>;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid([{ field: 'body', reason: 'must be a JSON object' }]);
      }
      const unknown = Object.keys(body).filter((k) => k !== 'reason' && k !== 'detail');
      if (unknown.length) throw invalid(unknown.map((field) => ({ field, reason: 'is not a known field (reason, detail)' })));
      const reason = (body.reason === undefined ? 'manual' : body.reason) as SuppressionReason;
      if (!SUPPRESSION_REASONS.includes(reason)) throw invalid([{ field: 'reason', reason: `must be one of ${SUPPRESSION_REASONS.join(', ')}` }]);
      if (body.detail !== undefined && (typeof body.detail !== 'string' || body.detail.length > 500 || body.detail.includes('\u0000')))
        throw invalid([{ field: 'detail', reason: 'must be a string of at most 500 characters, without NUL' }]);
      const added = await store.add({ address: addr, scope: 'all', reason, source: 'api', detail: body.detail as string | undefined });
      const found = await store.find(addr, 'message');
      // Whenever the address stands suppressed for a bounce or complaint, not only when this call added
      // it: a request answered 503 after its row was written, then retried, must still start the mirror
      // (its workflow id makes it once-only).
      if (found) await onSuppressed(found);
      return c.json(present(found!), added ? 201 : 200);
    })
    .delete('/:address', async (c) => {
      const addr = address(c.req.param('address'));
      const removed = await store.remove(addr);
      if (!removed) throw new ApiError(404, 'not_found', `${addr} is not on the suppression list`);
      return c.json({ address: addr, removed });
    });
}
