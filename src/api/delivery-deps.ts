import type { Client } from '@temporalio/client';
import type { Sql } from '../db/client.js';
import { createEventStore } from '../db/events.js';
import { createSuppressionStore } from '../db/suppressions.js';
import type { Config } from '../env.js';
import { snsAgent } from '../events/sns-agent.js';
import { createSnsVerifier } from '../events/sns-verify.js';
import type { DeliveryDeps } from './app.js';
import { createEventEffects } from './effects.js';
import { createReminderStatusLookup } from './reminder-status.js';
import { addressDomain } from '../mail/message-id.js';

/** The API's delivery-truth parts (SNS endpoint, suppressions, unsubscribe) over one database. */
export function buildDeliveryDeps(config: Config, sql: Sql, client: Client): DeliveryDeps {
  const providers = [config.mail.provider, config.mail.fallback];
  return {
    events: createEventStore(sql),
    suppressions: createSuppressionStore(sql),
    verify: createSnsVerifier({ topicArns: config.events.topicArns, agent: snsAgent(config.events.certTest) }),
    effects: createEventEffects(client, {
      taskQueue: config.temporal.taskQueue,
      webhooks: config.webhook ? { initialIntervalMs: config.webhook.retryInitialMs, windowMs: config.webhook.retryWindowMs } : undefined,
      sesMirror: providers.includes('ses'),
      timeoutMs: config.http.temporalTimeoutMs,
    }),
    softBounceLimit: config.events.softBounceLimit,
    unsubscribeSecret: config.unsubscribe?.secret,
    // The worker's rule for the Message-ID domain, so the API derives the same Message-IDs.
    reminderStatus: createReminderStatusLookup(
      client,
      sql,
      config.mail.messageIdDomain ?? addressDomain(config.mail.provider === 'ses' ? config.mail.sesFrom : config.mail.smtpFrom) ?? 'localhost',
      config.http.temporalTimeoutMs,
    ),
  };
}
