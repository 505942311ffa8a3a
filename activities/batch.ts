// POST /messages: one activity sends a batch's messages over the worker's shared clients (as the
// sweep sends a page), each claimed right before its send, so a DELETE wins until then, and each
// checked against and recorded in the send ledger, so a retried attempt sends nothing twice.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { BatchMessageStore, BatchOutcome } from '../src/db/batch-messages.js';
import { textToHtml } from '../src/enhance/html.js';
import { MailError } from '../src/mail/types.js';
import { messageIdFor, type ProviderName } from '../src/shared.js';
import { eachLimited, heartbeating, recordSend, sendThrough, type ActivityDeps } from './deps.js';
import { readSuppressions } from './suppression.js';
import { BATCH_CONCURRENCY } from './reminders.js';
import { announceFromActivity } from './webhooks.js';

/** A message the batch could not send: it gets a SendEmailWorkflow of its own, with the full retries. */
export interface BatchHandOff {
  id: string;
  requestHash: string;
  to: string;
  subject: string;
  text: string;
}

/** What the batch did with each message, in request order: what the Web UI shows for the batch. */
export type BatchMessageOutcome =
  | { id: string; outcome: 'sent'; messageId: string; provider: ProviderName; providerMessageId?: string }
  | { id: string; outcome: 'failed'; messageId: string; error: string; type?: string }
  | { id: string; outcome: 'cancelled' | 'handed_off' };

export interface MessageBatchResult {
  messages: BatchMessageOutcome[];
  handOff: BatchHandOff[];
}

function requireMessages(deps: ActivityDeps): BatchMessageStore {
  if (!deps.messages) throw ApplicationFailure.nonRetryable('this worker has no database (DATABASE_URL)', 'NoDatabase');
  return deps.messages;
}

export function batchActivities(deps: ActivityDeps) {
  return {
    async sendMessageBatch(input: { batchId: string }): Promise<MessageBatchResult> {
      const store = requireMessages(deps);
      const rows = await store.byBatch(input.batchId);
      // Only a message claimed by an earlier attempt ('sending') can have been sent: the ledger is
      // asked about those, all at once; a queued one goes straight to the provider.
      const known = (await deps.ledger?.findMany(rows.filter((m) => m.state === 'sending').map((m) => m.messageId ?? messageIdFor(m.id, deps.plan.messageIdDomain)))) ?? new Map();
      const { primary, fallback, messageIdDomain } = deps.plan;
      // A paced provider's rate holds per email on its own queue: every message gets a workflow.
      const paced = !!deps.plan.sendTaskQueues?.[primary];
      const outcome: BatchOutcome = { sent: [], failed: [], handedOff: [] };
      const handOff: BatchHandOff[] = [];
      const cancelled = new Set<string>();
      const { cancellationSignal } = Context.current();
      // Each distinct text is rendered once (a batch often sends one text to many recipients).
      const rendered = new Map<string, string>();
      const htmlOf = (text: string) => rendered.get(text) ?? rendered.set(text, textToHtml(text)).get(text)!;
      // A batched message has no workflow of its own to announce its outcome: announced from here, once
      // per message and event (the webhook id is the message's id and the event's type).
      const announce = (m: { id: string; to: string }, messageId: string, type: 'email.sent' | 'email.failed' | 'email.cancelled', data: Record<string, unknown>) =>
        announceFromActivity(deps.plan, m.id, type, { message_id: messageId, to: m.to, provider: null, provider_message_id: null, ...data });
      // The batch's recipients checked against the suppression list in one statement.
      const suppressed = await readSuppressions(deps, rows.filter((m) => m.state === 'queued' || m.state === 'sending').map((m) => m.to), 'message');
      await heartbeating(() =>
        eachLimited(rows, BATCH_CONCURRENCY, async (m) => {
          // A timed-out or cancelled attempt stops: its retry owns what is left.
          if (cancellationSignal.aborted) return;
          const messageId = m.messageId ?? messageIdFor(m.id, messageIdDomain);
          if (m.state === 'sent' || m.state === 'failed' || m.state === 'handed_off') return;
          if (m.state === 'cancelled' || !(await store.claim(m.id))) {
            cancelled.add(m.id);
            await announce(m, messageId, 'email.cancelled', { state: 'cancelled' });
            return;
          }
          if (paced) {
            outcome.handedOff.push(m.id);
            handOff.push({ id: m.id, requestHash: m.requestHash, to: m.to, subject: m.subject, text: m.text });
            return;
          }
          try {
            // Sent by an earlier attempt that died before its outcome was kept: announced (again, by the
            // same id, so once) as well.
            const recorded = known.get(messageId);
            const sent = recorded ?? { provider: primary, ...(await sendThrough(deps, primary, { to: m.to, subject: m.subject, text: m.text, html: htmlOf(m.text), messageId }, suppressed)) };
            if (!recorded) await recordSend(deps, { messageId, provider: primary, providerMessageId: sent.providerMessageId });
            outcome.sent.push({ id: m.id, messageId, provider: sent.provider, providerMessageId: sent.providerMessageId });
            await announce(m, messageId, 'email.sent', { state: 'sent', provider: sent.provider, provider_message_id: sent.providerMessageId ?? null });
          } catch (err) {
            if (!(err instanceof MailError)) throw err;
            // A suppressed address goes to its own workflow too, whatever the fallback: that workflow ends
            // as `suppressed` with the reason (no send, no retry), the state GET /message/:id shows.
            if (err.permanent && !fallback && err.type !== 'Suppressed') {
              outcome.failed.push({ id: m.id, messageId, error: err.message, type: err.type });
              await announce(m, messageId, 'email.failed', { state: 'failed', provider: primary, error: { message: err.message, type: err.type } });
            } else {
              outcome.handedOff.push(m.id);
              handOff.push({ id: m.id, requestHash: m.requestHash, to: m.to, subject: m.subject, text: m.text });
            }
          }
        }),
      );
      if (cancellationSignal.aborted) throw ApplicationFailure.retryable('the batch attempt was cancelled', 'BatchAttemptCancelled');
      await store.finish(outcome);
      // Every message's outcome, including those an earlier attempt settled.
      const now = new Map(rows.map((m) => [m.id, m]));
      for (const s of outcome.sent) now.set(s.id, { ...now.get(s.id)!, state: 'sent', ...s });
      for (const f of outcome.failed) now.set(f.id, { ...now.get(f.id)!, state: 'failed', messageId: f.messageId, error: { message: f.error, type: f.type } });
      for (const id of outcome.handedOff) now.set(id, { ...now.get(id)!, state: 'handed_off' });
      for (const id of cancelled) now.set(id, { ...now.get(id)!, state: 'cancelled' });
      const messages: BatchMessageOutcome[] = [...now.values()].map((m) =>
        m.state === 'sent'
          ? { id: m.id, outcome: 'sent', messageId: m.messageId!, provider: m.provider!, ...(m.providerMessageId ? { providerMessageId: m.providerMessageId } : {}) }
          : m.state === 'failed'
            ? { id: m.id, outcome: 'failed', messageId: m.messageId ?? messageIdFor(m.id, messageIdDomain), error: m.error?.message ?? '', type: m.error?.type }
            : { id: m.id, outcome: m.state === 'cancelled' ? 'cancelled' : 'handed_off' },
      );
      return { messages, handOff };
    },
  };
}
