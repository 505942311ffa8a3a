// The rows of migration 006: messages of POST /messages batches, and keys of POST /message.
import type { ProviderName } from '../shared.js';
import type { Sql } from './client.js';
import { coalesce } from './coalesce.js';

export type BatchMessageState = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled' | 'handed_off';

export interface BatchMessage {
  id: string;
  batchId: string;
  requestHash: string;
  to: string;
  subject: string;
  text: string;
  state: BatchMessageState;
  messageId?: string;
  provider?: ProviderName;
  providerMessageId?: string;
  attempts: number;
  error?: { message: string; type?: string };
  createdAt: string;
  updatedAt: string;
}

export interface NewBatchMessage {
  id: string;
  requestHash: string;
  to: string;
  subject: string;
  text: string;
}

/** Who already holds an id: a batch message (its hash) or a POST /message key. */
export type Holder = { id: string; kind: 'single' | 'batch'; requestHash: string };

export interface BatchOutcome {
  sent: { id: string; messageId: string; provider: ProviderName; providerMessageId?: string }[];
  failed: { id: string; messageId: string; error: string; type?: string }[];
  handedOff: string[];
}

export interface BatchMessageStore {
  /** Inserts the messages that hold no id yet; returns the ids inserted. */
  insertBatch(batchId: string, messages: NewBatchMessage[]): Promise<Set<string>>;
  holders(ids: string[]): Promise<Holder[]>;
  /** POST /message's key: true when this call reserved it, else who holds it. */
  reserveSingle(id: string, requestHash: string): Promise<true | Holder>;
  /** A batch whose start failed: its messages are forgotten, so that a retry may queue them. */
  dropBatch(batchId: string): Promise<void>;
  get(id: string): Promise<BatchMessage | undefined>;
  byBatch(batchId: string): Promise<BatchMessage[]>;
  /** Takes a message for sending (queued, or sending in an attempt that died); false: it is not to be sent. */
  claim(id: string): Promise<boolean>;
  /** queued to cancelled; returns the message as it is after the attempt. */
  cancel(id: string): Promise<BatchMessage | undefined>;
  finish(outcome: BatchOutcome): Promise<void>;
  prune(retentionMs: number, limit?: number): Promise<number>;
}

interface Row {
  id: string;
  batch_id: string;
  request_hash: string;
  recipient: string;
  subject: string;
  body: string;
  state: BatchMessageState;
  message_id: string | null;
  provider: ProviderName | null;
  provider_message_id: string | null;
  attempts: number;
  error: string | null;
  error_type: string | null;
  created_at: Date;
  updated_at: Date;
}

const message = (r: Row): BatchMessage => ({
  id: r.id,
  batchId: r.batch_id,
  requestHash: r.request_hash,
  to: r.recipient,
  subject: r.subject,
  text: r.body,
  state: r.state,
  messageId: r.message_id ?? undefined,
  provider: r.provider ?? undefined,
  providerMessageId: r.provider_message_id ?? undefined,
  attempts: r.attempts,
  error: r.error ? { message: r.error, type: r.error_type ?? undefined } : undefined,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export function createBatchMessageStore(sql: Sql): BatchMessageStore {
  // Right before each send; the sends starting together claim in one statement.
  const claim = coalesce(async (ids: string[]) => {
    const rows = await sql<{ id: string }[]>`
      UPDATE batch_messages SET state = 'sending', attempts = attempts + 1, updated_at = now()
      WHERE id = ANY(${[...new Set(ids)]}) AND state IN ('queued', 'sending') RETURNING id`;
    const claimed = new Set(rows.map((r) => r.id));
    return ids.map((id) => claimed.has(id));
  });
  return {
    async insertBatch(batchId, messages) {
      if (!messages.length) return new Set();
      const rows = await sql<{ id: string }[]>`
        INSERT INTO batch_messages (id, kind, batch_id, position, request_hash, recipient, subject, body, state)
        SELECT m.id, 'batch', ${batchId}, m.position, m.hash, m.recipient, m.subject, m.body, 'queued'
        FROM unnest(${messages.map((m) => m.id)}::text[], ${messages.map((_, i) => i)}::int[], ${messages.map((m) => m.requestHash)}::text[],
                    ${messages.map((m) => m.to)}::text[], ${messages.map((m) => m.subject)}::text[], ${messages.map((m) => m.text)}::text[])
          AS m(id, position, hash, recipient, subject, body)
        ON CONFLICT (id) DO NOTHING
        RETURNING id`;
      return new Set(rows.map((r) => r.id));
    },
    async holders(ids) {
      if (!ids.length) return [];
      const rows = await sql<{ id: string; kind: 'single' | 'batch'; request_hash: string }[]>`
        SELECT id, kind, request_hash FROM batch_messages WHERE id = ANY(${ids})`;
      return rows.map((r) => ({ id: r.id, kind: r.kind, requestHash: r.request_hash }));
    },
    async reserveSingle(id, requestHash) {
      const [inserted] = await sql`
        INSERT INTO batch_messages (id, kind, request_hash, state) VALUES (${id}, 'single', ${requestHash}, 'reserved')
        ON CONFLICT (id) DO NOTHING RETURNING id`;
      if (inserted) return true;
      const [holder] = await this.holders([id]);
      // Gone between the two statements (pruned): the key is free again, and Temporal keeps it.
      return holder ?? true;
    },
    async dropBatch(batchId) {
      await sql`DELETE FROM batch_messages WHERE batch_id = ${batchId} AND state = 'queued'`;
    },
    async get(id) {
      const [row] = await sql<Row[]>`SELECT * FROM batch_messages WHERE id = ${id} AND kind = 'batch'`;
      return row ? message(row) : undefined;
    },
    async byBatch(batchId) {
      const rows = await sql<Row[]>`SELECT * FROM batch_messages WHERE batch_id = ${batchId} ORDER BY position`;
      return rows.map(message);
    },
    claim,
    async cancel(id) {
      await sql`UPDATE batch_messages SET state = 'cancelled', updated_at = now() WHERE id = ${id} AND kind = 'batch' AND state = 'queued'`;
      return this.get(id);
    },
    async finish({ sent, failed, handedOff }) {
      if (sent.length) {
        await sql`
          UPDATE batch_messages b SET state = 'sent', message_id = s.message_id, provider = s.provider, provider_message_id = s.pid, updated_at = now()
          FROM unnest(${sent.map((s) => s.id)}::text[], ${sent.map((s) => s.messageId)}::text[], ${sent.map((s) => s.provider)}::text[],
                      ${sent.map((s) => s.providerMessageId ?? null) as string[]}::text[]) AS s(id, message_id, provider, pid)
          WHERE b.id = s.id`;
      }
      if (failed.length) {
        await sql`
          UPDATE batch_messages b SET state = 'failed', message_id = f.message_id, error = f.error, error_type = f.type, updated_at = now()
          FROM unnest(${failed.map((f) => f.id)}::text[], ${failed.map((f) => f.messageId)}::text[], ${failed.map((f) => f.error)}::text[],
                      ${failed.map((f) => f.type ?? null) as string[]}::text[]) AS f(id, message_id, error, type)
          WHERE b.id = f.id`;
      }
      if (handedOff.length) {
        await sql`UPDATE batch_messages SET state = 'handed_off', updated_at = now() WHERE id = ANY(${handedOff}) AND state IN ('queued', 'sending')`;
      }
    },
    async prune(retentionMs, limit = 10_000) {
      const rows = await sql`
        DELETE FROM batch_messages WHERE id IN (
          SELECT id FROM batch_messages
          WHERE created_at < now() - ${retentionMs} * interval '1 millisecond' AND state NOT IN ('queued', 'sending')
          ORDER BY created_at LIMIT ${limit})`;
      return rows.count;
    },
  };
}
