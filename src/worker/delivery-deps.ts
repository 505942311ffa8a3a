import type { SuppressionDeps } from '../../activities/suppression.js';
import type { WebhookDeps } from '../../activities/webhooks.js';
import type { Sql } from '../db/client.js';
import { createSuppressionStore } from '../db/suppressions.js';
import type { Config } from '../env.js';
import { snsAgent } from '../events/sns-agent.js';
import type { WebhookRetry } from '../webhooks/types.js';

/**
 * The worker's delivery-truth clients: suppression list, unsubscribe signing, webhooks, SES's own list
 * (the AWS SDK loaded only when SES is a provider).
 */
export async function buildDeliveryDeps(config: Config, sql: Sql | undefined): Promise<{ deps: SuppressionDeps & WebhookDeps; webhooks?: WebhookRetry; close(): void }> {
  const usesSes = config.mail.provider === 'ses' || config.mail.fallback === 'ses';
  const aws = usesSes ? await import('@aws-sdk/client-sesv2') : undefined;
  const ses = aws ? new aws.SESv2Client({ region: config.ses.region, endpoint: config.ses.endpoint, credentials: config.ses.credentials, maxAttempts: 1 }) : undefined;
  return {
    deps: {
      suppressions: sql ? createSuppressionStore(sql) : undefined,
      unsubscribe: config.unsubscribe,
      webhook: config.webhook ? { url: config.webhook.url, secret: config.webhook.secret } : undefined,
      snsAgent: snsAgent(config.events.certTest),
      putSesSuppression: ses
        ? async (address, reason) => {
            await ses.send(new aws!.PutSuppressedDestinationCommand({ EmailAddress: address, Reason: reason }));
          }
        : undefined,
    },
    webhooks: config.webhook ? { initialIntervalMs: config.webhook.retryInitialMs, windowMs: config.webhook.retryWindowMs } : undefined,
    close: () => ses?.destroy(),
  };
}
