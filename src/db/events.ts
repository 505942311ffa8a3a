import type { EmailEventType, SesEvent } from '../events/ses-event.js';
import type { Sql } from './client.js';
import { insertSuppression, type NewSuppression } from './suppressions.js';

export interface SnsEnvelope {
  messageId: string;
  topicArn: string;
  type: string;
}

export interface StoredEvent {
  type: EmailEventType;
  at: string;
  recipients: string[];
  sesMessageId?: string;
  messageId?: string;
  bounceType?: string;
  bounceSubType?: string;
  detail: Record<string, unknown>;
}

export interface RecordOutcome {
  /** false: this SNS MessageId was recorded before (a redelivery or a replay); nothing changed. */
  recorded: boolean;
  /** Suppressions this event added (none for a duplicate). */
  suppressed: NewSuppression[];
}

export interface EventStore {
  /** Records the SNS message, its SES event and the suppressions it implies, in one transaction. */
  record(sns: SnsEnvelope, event: SesEvent | undefined, rules: { softBounceLimit: number }): Promise<RecordOutcome>;
  forEmail(ids: { messageId?: string; sesMessageId?: string }): Promise<StoredEvent[]>;
  /** Emails (by Message-ID) that had events, with their events, for one recipient. */
  forRecipient(address: string, limit: number): Promise<StoredEvent[]>;
  /** Over the last 24 h: distinct emails with events, and those that bounced or drew a complaint. */
  rates24h(): Promise<{ emails: number; bounced: number; complained: number }>;
}

const SOFT_BOUNCE_DAYS = 7;

interface Row {
  event_type: EmailEventType;
  occurred_at: Date;
  recipients: string[];
  ses_message_id: string | null;
  message_id: string | null;
  bounce_type: string | null;
  bounce_sub_type: string | null;
  detail: Record<string, unknown>;
}

const toEvent = (r: Row): StoredEvent => ({
  type: r.event_type,
  at: r.occurred_at.toISOString(),
  recipients: r.recipients,
  ...(r.ses_message_id ? { sesMessageId: r.ses_message_id } : {}),
  ...(r.message_id ? { messageId: r.message_id } : {}),
  ...(r.bounce_type ? { bounceType: r.bounce_type } : {}),
  ...(r.bounce_sub_type ? { bounceSubType: r.bounce_sub_type } : {}),
  detail: r.detail,
});

/** What an event says about the suppression list, before counting soft bounces. */
function hardSuppressions(e: SesEvent): NewSuppression[] {
  if (e.type === 'complaint') return e.recipients.map((address) => ({ address, scope: 'all', reason: 'complaint', source: 'ses', detail: String(e.detail.complaintFeedbackType ?? '') || undefined }));
  if (e.type === 'bounce' && e.bounceType === 'Permanent')
    return e.recipients.map((address) => ({ address, scope: 'all', reason: 'bounce', source: 'ses', detail: `Permanent/${e.bounceSubType ?? 'General'}` }));
  return [];
}

export function createEventStore(sql: Sql): EventStore {
  return {
    async record(sns, event, rules) {
      return sql.begin(async (tx) => {
        const fresh = await tx`
          INSERT INTO sns_messages (message_id, topic_arn, type) VALUES (${sns.messageId}, ${sns.topicArn}, ${sns.type})
          ON CONFLICT (message_id) DO NOTHING RETURNING message_id`;
        if (!fresh.length) return { recorded: false, suppressed: [] };
        if (!event) return { recorded: true, suppressed: [] };
        await tx`
          INSERT INTO email_events (sns_message_id, event_type, ses_message_id, message_id, recipients, bounce_type, bounce_sub_type, occurred_at, detail)
          VALUES (${sns.messageId}, ${event.type}, ${event.sesMessageId ?? null}, ${event.messageId ?? null}, ${event.recipients},
                  ${event.bounceType ?? null}, ${event.bounceSubType ?? null}, ${event.occurredAt}, ${tx.json(event.detail as never)})`;
        const wanted = hardSuppressions(event);
        if (event.type === 'bounce' && event.bounceType !== 'Permanent') {
          for (const address of event.recipients) {
            const [row] = await tx<{ n: number }[]>`
              SELECT count(*)::int AS n FROM email_events
              WHERE event_type = 'bounce' AND bounce_type <> 'Permanent' AND recipients @> ARRAY[${address}]::text[]
                AND occurred_at > now() - make_interval(days => ${SOFT_BOUNCE_DAYS})`;
            if ((row?.n ?? 0) >= rules.softBounceLimit)
              wanted.push({ address, scope: 'all', reason: 'soft_bounce', source: 'ses', detail: `${row!.n} soft bounces in ${SOFT_BOUNCE_DAYS} days` });
          }
        }
        const suppressed: NewSuppression[] = [];
        for (const s of wanted) if (await insertSuppression(tx as unknown as Sql, s)) suppressed.push(s);
        return { recorded: true, suppressed };
      }) as Promise<RecordOutcome>;
    },

    async forEmail({ messageId, sesMessageId }) {
      if (!messageId && !sesMessageId) return [];
      const rows = await sql<Row[]>`
        SELECT * FROM email_events
        WHERE message_id = ${messageId ?? null} OR ses_message_id = ${sesMessageId ?? null}
        ORDER BY occurred_at, id`;
      return rows.map(toEvent);
    },

    async forRecipient(address, limit) {
      const rows = await sql<Row[]>`
        SELECT * FROM email_events WHERE recipients @> ARRAY[${address.toLowerCase()}]::text[]
        ORDER BY occurred_at DESC, id DESC LIMIT ${limit}`;
      return rows.map(toEvent);
    },

    async rates24h() {
      const [r] = await sql<{ emails: number; bounced: number; complained: number }[]>`
        SELECT count(DISTINCT coalesce(ses_message_id, message_id))::int AS emails,
               count(DISTINCT coalesce(ses_message_id, message_id)) FILTER (WHERE event_type = 'bounce' AND bounce_type = 'Permanent')::int AS bounced,
               count(DISTINCT coalesce(ses_message_id, message_id)) FILTER (WHERE event_type = 'complaint')::int AS complained
        FROM email_events WHERE occurred_at > now() - interval '24 hours'`;
      return r ?? { emails: 0, bounced: 0, complained: 0 };
    },
  };
}
