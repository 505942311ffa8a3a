import { bareAddress } from '../events/ses-event.js';
import type { Sql } from './client.js';
import { coalesce } from './coalesce.js';

export const SUPPRESSION_REASONS = ['bounce', 'soft_bounce', 'complaint', 'smtp_rejected', 'unsubscribe', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];
/** 'reminders': a one-click unsubscribe, which stops reminders and digests but not messages. */
export type SuppressionScope = 'all' | 'reminders';
/** What is being sent, as the send path knows it. */
export type SendKind = 'message' | 'reminder' | 'digest';

export interface Suppression {
  address: string;
  scope: SuppressionScope;
  reason: SuppressionReason;
  source: string;
  detail?: string;
  createdAt: string;
}

export type NewSuppression = Omit<Suppression, 'createdAt'>;

export interface SuppressionStore {
  /** The suppression that stops sending `kind` to `address`, if any. */
  find(address: string, kind: SendKind): Promise<Suppression | undefined>;
  /** The same for many addresses in one statement, keyed by bare address (those with none absent). */
  findMany(addresses: string[], kind: SendKind): Promise<Map<string, Suppression>>;
  /** true when this call added it (an address already suppressed for that scope is kept as it was). */
  add(s: NewSuppression): Promise<boolean>;
  list(q: { reason?: SuppressionReason; after?: string; limit: number }): Promise<{ items: Suppression[]; next?: string }>;
  remove(address: string): Promise<number>;
  countByReason(): Promise<Record<string, number>>;
}

interface Row {
  address: string;
  scope: SuppressionScope;
  reason: SuppressionReason;
  source: string;
  detail: string | null;
  created_at: Date;
}

const toSuppression = (r: Row): Suppression => ({
  address: r.address,
  scope: r.scope,
  reason: r.reason,
  source: r.source,
  ...(r.detail ? { detail: r.detail } : {}),
  createdAt: r.created_at.toISOString(),
});

/** Inserts one suppression with whatever runs the statement (the pool or a transaction). */
export async function insertSuppression(sql: Sql, s: NewSuppression): Promise<boolean> {
  const rows = await sql`
    INSERT INTO suppressions (address, scope, reason, source, detail)
    VALUES (${bareAddress(s.address)}, ${s.scope}, ${s.reason}, ${s.source}, ${s.detail ?? null})
    ON CONFLICT (address, scope) DO NOTHING RETURNING address`;
  return rows.length > 0;
}

/** Of one address's rows, the one that stops `kind`: a message only scope 'all'; a reminder or digest either, 'all' first. */
function stopping(rows: Row[], address: string, kind: SendKind): Suppression | undefined {
  const mine = rows.filter((r) => r.address === address && (r.scope === 'all' || kind !== 'message'));
  const row = mine.find((r) => r.scope === 'all') ?? mine[0];
  return row ? toSuppression(row) : undefined;
}

export function createSuppressionStore(sql: Sql): SuppressionStore {
  const rowsFor = (addresses: string[]) => sql<Row[]>`SELECT * FROM suppressions WHERE address = ANY(${[...new Set(addresses)]})`;
  // Every send asks; the sends in flight together ask in one statement.
  const find = coalesce(async (keys: { address: string; kind: SendKind }[]) => {
    const rows = await rowsFor(keys.map((k) => k.address));
    return keys.map(({ address, kind }) => stopping(rows, address, kind));
  });
  return {
    find: (address, kind) => find({ address: bareAddress(address), kind }),
    async findMany(addresses, kind) {
      const bare = [...new Set(addresses.map(bareAddress))];
      const rows = bare.length ? await rowsFor(bare) : [];
      return new Map(bare.flatMap((a) => {
        const s = stopping(rows, a, kind);
        return s ? [[a, s] as const] : [];
      }));
    },
    add: (s) => insertSuppression(sql, s),
    async list({ reason, after, limit }) {
      const rows = await sql<Row[]>`
        SELECT * FROM suppressions
        WHERE (${reason ?? null}::text IS NULL OR reason = ${reason ?? null})
          AND (${after ?? null}::text IS NULL OR address || ' ' || scope > ${after ?? null})
        ORDER BY address || ' ' || scope LIMIT ${limit + 1}`;
      const items = rows.slice(0, limit).map(toSuppression);
      const last = items.at(-1);
      return { items, ...(rows.length > limit && last ? { next: `${last.address} ${last.scope}` } : {}) };
    },
    async remove(address) {
      const rows = await sql`DELETE FROM suppressions WHERE address = ${bareAddress(address)} RETURNING address`;
      return rows.length;
    },
    async countByReason() {
      const rows = await sql<{ reason: string; n: number }[]>`SELECT reason, count(*)::int AS n FROM suppressions GROUP BY reason`;
      return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
    },
  };
}
