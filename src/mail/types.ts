import type { ProviderName } from '../shared.js';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** RFC 5322 Message-ID, angle brackets included; derived from the workflow id. */
  messageId: string;
  /** Extra headers (List-Unsubscribe on reminders and digests). */
  headers?: Record<string, string>;
}

export interface SendReceipt {
  providerMessageId?: string;
}

export interface Mailer {
  readonly name: ProviderName;
  send(email: OutgoingEmail): Promise<SendReceipt>;
  close(): Promise<void>;
}

/**
 * A provider error, classified once where the provider's details are known.
 * `permanent` errors must not be retried; the others are retried with backoff by Temporal.
 */
export class MailError extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'MailError';
  }
}
