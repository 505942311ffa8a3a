// The send ledger (migration 005): what a provider accepted, by Message-ID, so that a retried attempt
// does not send an email twice. Bounded: rows older than the retention are pruned, oldest first.
import type { ProviderName } from '../shared.js';
import type { Sql } from './client.js';
import { coalesce } from './coalesce.js';

export interface LedgerEntry {
  messageId: string;
  provider: ProviderName;
  providerMessageId?: string;
}

export interface SendLedger {
  find(messageId: string): Promise<LedgerEntry | undefined>;
  /** The entries among these Message-IDs, for a batch that checks them all at once. */
  findMany(messageIds: string[]): Promise<Map<string, LedgerEntry>>;
  /** Keeps the first answer: a second record of the same Message-ID changes nothing. */
  record(entry: LedgerEntry): Promise<void>;
  /** Deletes up to `limit` rows older than `retentionMs`; returns how many. */
  prune(retentionMs: number, limit?: number): Promise<number>;
}

interface Row {
  message_id: string;
  provider: ProviderName;
  provider_message_id: string | null;
}

/** Ledger writes in flight at once: the worker gives the ledger as many connections of its own. */
export const LEDGER_WRITES_IN_FLIGHT = 4;

const entry = (r: Row): LedgerEntry => ({ messageId: r.message_id, provider: r.provider, providerMessageId: r.provider_message_id ?? undefined });

/**
 * Reads go through `sql`; writes through `writes` (connections of their own, so that a write, the
 * duplicate window, never queues behind the reads of sends just starting). Both are coalesced: the
 * sends in flight together read and record in one statement each.
 */
export function createSendLedger(sql: Sql, writes: Sql = sql): SendLedger {
  const findMany = async (messageIds: string[]) => {
    if (!messageIds.length) return new Map<string, LedgerEntry>();
    const rows = await sql<Row[]>`SELECT message_id, provider, provider_message_id FROM send_ledger WHERE message_id = ANY(${messageIds})`;
    return new Map(rows.map((r) => [r.message_id, entry(r)]));
  };
  const find = coalesce(async (ids: string[]) => {
    const found = await findMany([...new Set(ids)]);
    return ids.map((id) => found.get(id));
  });
  // A write never waits for another: each answer recorded as soon as it arrives.
  const record = coalesce(async (entries: LedgerEntry[]) => {
    await writes`
      INSERT INTO send_ledger (message_id, provider, provider_message_id)
      SELECT * FROM unnest(${entries.map((e) => e.messageId)}::text[], ${entries.map((e) => e.provider)}::text[],
                           ${entries.map((e) => e.providerMessageId ?? null) as string[]}::text[])
      ON CONFLICT (message_id) DO NOTHING`;
    return entries.map(() => undefined);
  }, { inFlight: LEDGER_WRITES_IN_FLIGHT });
  return {
    find,
    findMany,
    record,
    async prune(retentionMs, limit = 10_000) {
      const rows = await sql`
        DELETE FROM send_ledger WHERE message_id IN (
          SELECT message_id FROM send_ledger
          WHERE recorded_at < now() - ${retentionMs} * interval '1 millisecond'
          ORDER BY recorded_at LIMIT ${limit})`;
      return rows.count;
    },
  };
}
