import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { EventStore, StoredEvent } from '../../db/events.js';
import type { Suppression, SuppressionStore } from '../../db/suppressions.js';
import { CONTROL } from '../../mail/address.js';
import { deliveryOf } from '../../events/delivery.js';
import { parseSesEvent, SesEventError, type SesEvent } from '../../events/ses-event.js';
import { SnsRefused, type SnsMessage, type SnsVerifier } from '../../events/sns-verify.js';
import type { WebhookEvent, WebhookEventType } from '../../webhooks/types.js';
import { mirrorSuppressionOf, type EventEffects } from '../effects.js';
import { ApiError, invalid } from '../errors.js';
import { queryOnce } from '../requests.js';

export interface SesEventsDeps {
  verify: SnsVerifier;
  store: EventStore;
  effects: EventEffects;
  softBounceLimit: number;
  logger: Logger;
  suppressions: SuppressionStore;
  onEvent?: (type: string) => void;
  onSuppressed?: (reason: string) => void;
}

const WEBHOOK_TYPE: Record<SesEvent['type'], WebhookEventType | undefined> = {
  send: undefined, // email.sent comes from the workflow, when the provider accepted it
  delivery: 'email.delivered',
  bounce: 'email.bounced',
  complaint: 'email.complained',
  reject: 'email.rejected',
  delivery_delay: 'email.delayed',
  rendering_failure: 'email.rejected',
};

function webhookFor(msg: SnsMessage, e: SesEvent): WebhookEvent | undefined {
  const type = WEBHOOK_TYPE[e.type];
  if (!type) return undefined;
  return {
    id: `sns-${msg.MessageId}`,
    type,
    timestamp: e.occurredAt,
    data: { message_id: e.messageId ?? null, provider_message_id: e.sesMessageId ?? null, recipients: e.recipients, bounce_type: e.bounceType ?? null, bounce_sub_type: e.bounceSubType ?? null, ...e.detail },
  };
}

/** A bounce or complaint (new or redelivered): the suppressions its recipients stand under now, from SES. */
async function standingSuppressions(deps: SesEventsDeps, event: SesEvent): Promise<Suppression[]> {
  if (event.type !== 'bounce' && event.type !== 'complaint') return [];
  const found = await Promise.all(event.recipients.map((address) => deps.suppressions.find(address, 'message')));
  return found.filter((s): s is NonNullable<typeof s> => !!s && s.source === 'ses');
}

/**
 * POST /events/ses: an Amazon SNS HTTP(S) subscription endpoint. The message is verified (shape,
 * topic, signature) before anything else; a refused one records nothing.
 */
export function sesEventRoutes(deps: SesEventsDeps) {
  return new Hono()
    .get('/', async (c) => {
      // Search by recipient: every email with events for this address, each with its delivery state.
      const recipient = queryOnce(c.req, 'recipient')?.trim().toLowerCase();
      if (!recipient || !/^[^\s@]+@[^\s@]+$/.test(recipient) || CONTROL.test(recipient)) throw invalid([{ field: 'recipient', reason: 'must be an email address' }]);
      const events = await deps.store.forRecipient(recipient, 500);
      const byEmail = new Map<string, StoredEvent[]>();
      for (const e of [...events].reverse()) {
        const key = e.messageId ?? e.sesMessageId ?? 'unknown';
        byEmail.set(key, [...(byEmail.get(key) ?? []), e]);
      }
      const suppressed = await deps.suppressions.find(recipient, 'reminder');
      return c.json({
        recipient,
        suppression: suppressed ?? null,
        emails: [...byEmail.entries()].map(([key, list]) => ({ message_id: list[0]!.messageId ?? null, provider_message_id: list[0]!.sesMessageId ?? key, delivery: deliveryOf(list) })),
      });
    })
    .post('/ses', async (c) => {
    let msg: SnsMessage;
    try {
      msg = await deps.verify(await c.req.text());
    } catch (err) {
      if (!(err instanceof SnsRefused)) throw err;
      deps.logger.warn({ requestId: c.get('requestId'), code: err.code, field: err.field }, 'SNS message refused');
      throw new ApiError(err.status, err.code, err.message, [{ field: err.field, reason: err.message }]);
    }
    const envelope = { messageId: msg.MessageId, topicArn: msg.TopicArn, type: msg.Type };
    if (msg.Type !== 'Notification') {
      const { recorded } = await deps.store.record(envelope, undefined, { softBounceLimit: deps.softBounceLimit });
      if (msg.Type === 'SubscriptionConfirmation') await deps.effects.confirmSubscription({ messageId: msg.MessageId, subscribeUrl: msg.SubscribeURL!, topicArn: msg.TopicArn });
      else deps.logger.info({ topicArn: msg.TopicArn }, 'SNS unsubscribe confirmation received');
      return c.json({ status: recorded ? 'recorded' : 'duplicate', type: msg.Type });
    }
    let event: SesEvent;
    try {
      event = parseSesEvent(msg.Message);
    } catch (err) {
      if (!(err instanceof SesEventError)) throw err;
      throw new ApiError(400, 'invalid_event', `The SES event was not understood: ${err.message}`, [{ field: 'Message', reason: err.message }]);
    }
    const outcome = await deps.store.record(envelope, event, { softBounceLimit: deps.softBounceLimit });
    if (outcome.recorded) {
      deps.onEvent?.(event.type);
      for (const s of outcome.suppressed) deps.onSuppressed?.(s.reason);
    }
    // On a redelivery too: an answer that failed after the event was recorded (Temporal unreachable)
    // is retried by SNS, and the mirror must still start; its workflow id makes it once-only.
    for (const s of await standingSuppressions(deps, event)) await mirrorSuppressionOf(deps.effects, s);
    // Started on a redelivery too (SNS retries when our answer was lost): the id makes it once-only.
    const hook = webhookFor(msg, event);
    if (hook) await deps.effects.webhook(hook);
    return c.json({ status: outcome.recorded ? 'recorded' : 'duplicate', type: event.type, suppressed: outcome.suppressed.map((s) => s.address) });
  });
}
