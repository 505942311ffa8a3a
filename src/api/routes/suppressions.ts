import { Hono } from 'hono';
import { SUPPRESSION_REASONS, type SuppressionReason, type SuppressionStore } from '../../db/suppressions.js';
import { parseRecipient } from '../../mail/address.js';
import { ApiError, invalid } from '../errors.js';

const present = (s: { address: string; scope: string; reason: string; source: string; detail?: string; createdAt: string }) => ({
  address: s.address,
  scope: s.scope,
  reason: s.reason,
  source: s.source,
  detail: s.detail ?? null,
  created_at: s.createdAt,
});

function address(raw: string): string {
  const parsed = parseRecipient(decodeURIComponent(raw));
  if (!parsed.ok) throw invalid([{ field: 'address', reason: parsed.reason }]);
  return parsed.recipient.address.toLowerCase();
}

/** GET /suppressions (paginated, ?reason=), PUT and DELETE /suppressions/:address. */
export function suppressionRoutes(store: SuppressionStore, onAdded: (address: string, reason: SuppressionReason) => Promise<void>) {
  return new Hono()
    .get('/', async (c) => {
      const reason = c.req.query('reason');
      if (reason !== undefined && !SUPPRESSION_REASONS.includes(reason as SuppressionReason))
        throw invalid([{ field: 'reason', reason: `must be one of ${SUPPRESSION_REASONS.join(', ')}` }]);
      const limitText = c.req.query('limit') ?? '50';
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid([{ field: 'limit', reason: 'must be a whole number from 1 to 500' }]);
      const page = await store.list({ reason: reason as SuppressionReason | undefined, after: c.req.query('cursor'), limit });
      return c.json({ items: page.items.map(present), next_cursor: page.next ?? null });
    })
    .put('/:address', async (c) => {
      const addr = address(c.req.param('address'));
      const text = await c.req.text();
      let body: Record<string, unknown> = {};
      if (text.trim()) {
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          throw invalid([{ field: 'body', reason: 'must be JSON ({"reason": "...", "detail": "..."}) or empty' }]);
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid([{ field: 'body', reason: 'must be a JSON object' }]);
      }
      const reason = (body.reason ?? 'manual') as SuppressionReason;
      if (!SUPPRESSION_REASONS.includes(reason)) throw invalid([{ field: 'reason', reason: `must be one of ${SUPPRESSION_REASONS.join(', ')}` }]);
      if (body.detail !== undefined && (typeof body.detail !== 'string' || body.detail.length > 500)) throw invalid([{ field: 'detail', reason: 'must be a string of at most 500 characters' }]);
      const added = await store.add({ address: addr, scope: 'all', reason, source: 'api', detail: body.detail as string | undefined });
      if (added && (reason === 'bounce' || reason === 'complaint')) await onAdded(addr, reason);
      const found = await store.find(addr, 'message');
      return c.json(present(found!), added ? 201 : 200);
    })
    .delete('/:address', async (c) => {
      const addr = address(c.req.param('address'));
      const removed = await store.remove(addr);
      if (!removed) throw new ApiError(404, 'not_found', `${addr} is not on the suppression list`);
      return c.json({ address: addr, removed });
    });
}
