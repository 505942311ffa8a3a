// GET /message/:id for reminders and digests: their workflow when they had one (a reminder handed
// off, a digest), else the reminder ledger row the sweep's batch wrote. Either way a Message-ID, which
// is what SES events are matched by.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Sql } from '../db/client.js';
import { messageIdFor, type DigestOutcome, type EmailStatus, type ReminderOutcome } from '../shared.js';

export type ReminderStatusLookup = (id: string) => Promise<EmailStatus | undefined>;

const KINDS = /^(reminder|digest)-/;

export function createReminderStatusLookup(client: Client, sql: Sql, messageIdDomain: string, timeoutMs: number): ReminderStatusLookup {
  const bounded = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + timeoutMs, fn);

  async function recipientOf(messageId: string): Promise<string> {
    const [row] = await sql<{ email: string }[]>`
      SELECT u.email FROM task_reminders r JOIN tasks t ON t.id = r.task_id JOIN projects p ON p.id = t.project_id JOIN users u ON u.id = p.owner_id
      WHERE r.message_id = ${messageId} LIMIT 1`;
    return row?.email ?? '';
  }

  return async (id) => {
    if (!KINDS.test(id)) return undefined;
    const base = { id, subject: '', enhancement: { used: 'none' as const }, attempts: 0 };
    try {
      const handle = client.workflow.getHandle(id);
      const d = await bounded(() => handle.describe());
      if (d.type === 'TaskReminderWorkflow' || d.type === 'OwnerDigestWorkflow') {
        const messageId = messageIdFor(d.type === 'OwnerDigestWorkflow' ? `${id}-${d.runId}` : id, messageIdDomain);
        if (d.status.name === 'RUNNING') return { ...base, state: 'sending', to: '', messageId };
        if (d.status.name !== 'COMPLETED') return { ...base, state: 'failed', to: '', messageId };
        const result = (await bounded(() => handle.result())) as ReminderOutcome | DigestOutcome;
        const suppressed = ('outcome' in result && result.outcome === 'suppressed') || ('suppressed' in result && result.suppressed);
        const sentId = 'messageId' in result && result.messageId ? result.messageId : messageId;
        return { ...base, state: suppressed ? 'suppressed' : 'sent', to: await recipientOf(sentId), messageId: sentId };
      }
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (!id.startsWith('reminder-')) return undefined;
    // Sent by the sweep's batch: no workflow of its own, a ledger row.
    const messageId = messageIdFor(id, messageIdDomain);
    const [row] = await sql<{ state: string; updated_at: Date }[]>`SELECT state, updated_at FROM task_reminders WHERE message_id = ${messageId} LIMIT 1`;
    if (!row) return undefined;
    return { ...base, state: row.state === 'sent' ? 'sent' : 'sending', to: await recipientOf(messageId), messageId, sentAt: row.updated_at.toISOString() };
  };
}
