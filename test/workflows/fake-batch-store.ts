// In memory, with the real store's rules (migration 006): claim only queued or sending, cancel only
// queued, finish by id. For workflow recordings and tests without a database.
import type { BatchMessage, BatchMessageStore, BatchOutcome, Holder, NewBatchMessage } from '../../src/db/batch-messages.js';

export class FakeBatchMessageStore implements BatchMessageStore {
  readonly rows = new Map<string, BatchMessage & { kind: 'single' | 'batch' }>();

  async insertBatch(batchId: string, messages: NewBatchMessage[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    const now = new Date().toISOString();
    for (const m of messages) {
      if (this.rows.has(m.id)) continue;
      this.rows.set(m.id, { ...m, kind: 'batch', batchId, state: 'queued', attempts: 0, createdAt: now, updatedAt: now });
      inserted.add(m.id);
    }
    return inserted;
  }
  async holders(ids: string[]): Promise<Holder[]> {
    return ids.flatMap((id) => {
      const r = this.rows.get(id);
      return r ? [{ id, kind: r.kind, requestHash: r.requestHash }] : [];
    });
  }
  async reserveSingle(id: string, requestHash: string): Promise<true | Holder> {
    const r = this.rows.get(id);
    if (r) return { id, kind: r.kind, requestHash: r.requestHash };
    this.rows.set(id, { id, kind: 'single', batchId: '', requestHash, to: '', subject: '', text: '', state: 'queued', attempts: 0, createdAt: '', updatedAt: '' });
    return true;
  }
  async dropBatch(batchId: string): Promise<void> {
    for (const [id, r] of this.rows) if (r.batchId === batchId && r.state === 'queued') this.rows.delete(id);
  }
  async get(id: string): Promise<BatchMessage | undefined> {
    const r = this.rows.get(id);
    return r?.kind === 'batch' ? { ...r } : undefined;
  }
  async byBatch(batchId: string): Promise<BatchMessage[]> {
    return [...this.rows.values()].filter((r) => r.kind === 'batch' && r.batchId === batchId).map((r) => ({ ...r }));
  }
  async claim(id: string): Promise<boolean> {
    const r = this.rows.get(id);
    if (!r || (r.state !== 'queued' && r.state !== 'sending')) return false;
    r.state = 'sending';
    r.attempts++;
    return true;
  }
  async cancel(id: string): Promise<BatchMessage | undefined> {
    const r = this.rows.get(id);
    if (r?.kind === 'batch' && r.state === 'queued') r.state = 'cancelled';
    return this.get(id);
  }
  async finish({ sent, failed, handedOff }: BatchOutcome): Promise<void> {
    for (const s of sent) Object.assign(this.rows.get(s.id)!, { state: 'sent', messageId: s.messageId, provider: s.provider, providerMessageId: s.providerMessageId });
    for (const f of failed) Object.assign(this.rows.get(f.id)!, { state: 'failed', messageId: f.messageId, error: { message: f.error, type: f.type } });
    for (const id of handedOff) this.rows.get(id)!.state = 'handed_off';
  }
  async prune(): Promise<number> {
    return 0;
  }
}
