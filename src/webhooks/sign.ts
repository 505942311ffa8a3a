import { Webhook } from 'standardwebhooks';

export interface SignedWebhook {
  headers: Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;
  body: string;
}

/**
 * Standard Webhooks: HMAC-SHA256 over `id.timestamp.body`. The id is the event's and stays the same on
 * every retry (receivers deduplicate on it); the timestamp is the attempt's, so receivers can refuse
 * stale deliveries.
 */
export function signWebhook(secret: string, id: string, body: string, now = new Date()): SignedWebhook {
  const signature = new Webhook(secret).sign(id, now, body);
  return { headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature }, body };
}
