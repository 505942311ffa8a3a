// Shared by the API, the worker and the webhook workflow: no I/O here.

export const WEBHOOK_EVENT_TYPES = [
  'email.sent',
  'email.failed',
  'email.cancelled',
  'email.suppressed',
  'email.delivered',
  'email.delayed',
  'email.bounced',
  'email.complained',
  'email.rejected',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookRetry {
  initialIntervalMs: number;
  windowMs: number;
}

/** One event to deliver; `id` is the webhook-id, stable across retries. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** When the event happened (ISO). */
  timestamp: string;
  data: Record<string, unknown>;
}

export interface WebhookInput {
  event: WebhookEvent;
  retry: WebhookRetry;
}

/** Workflow id of an event's delivery: one per webhook-id, so a second start is refused. */
export function webhookWorkflowId(eventId: string): string {
  return `webhook-${eventId}`;
}
