import type { EmailStatus } from '../shared.js';

/** The wire form of an email's status: snake_case, like the rest of the old API. */
export function presentStatus(s: EmailStatus) {
  return {
    id: s.id,
    workflow_id: s.id,
    state: s.state,
    to: s.to,
    subject: s.subject,
    send_at: s.sendAt ?? null,
    message_id: s.messageId || null,
    enhancement: s.enhancement,
    provider: s.provider ?? null,
    provider_message_id: s.providerMessageId ?? null,
    attempts: s.attempts,
    primary_failure: s.primaryFailure ?? null,
    last_error: s.lastError ?? null,
    error: s.error ?? null,
    sent_at: s.sentAt ?? null,
    ...(s.suppression ? { suppression: s.suppression } : {}),
  };
}
