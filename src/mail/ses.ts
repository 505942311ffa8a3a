import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { wireRecipient } from './address.js';
import { MailError, type Mailer, type OutgoingEmail, type SendReceipt } from './types.js';

export interface SesOptions {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const PERMANENT = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'SendingPausedException',
  'BadRequestException',
  'NotFoundException',
  'InvalidParameterValue',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AccessDeniedException',
]);
const THROTTLING = new Set(['TooManyRequestsException', 'LimitExceededException', 'Throttling', 'ThrottlingException']);

export function classifySesError(err: unknown): MailError {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const message = `${name}: ${e.message ?? String(err)}`;
  if (THROTTLING.has(name)) return new MailError(message, `Ses${name}`, false);
  if (PERMANENT.has(name)) return new MailError(message, `Ses${name}`, true);
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500 && status !== 429) return new MailError(message, `Ses${name}`, true);
  return new MailError(message, `Ses${name}`, false);
}

export class SesMailer implements Mailer {
  readonly name = 'ses' as const;
  private readonly client: SESv2Client;

  constructor(opts: SesOptions) {
    // maxAttempts 1: Temporal owns retries, so an SDK retry loop must not multiply them.
    // Timeouts: a hung call must end well before the activity's own limit, or a retry could overlap it.
    this.client = new SESv2Client({
      region: opts.region,
      endpoint: opts.endpoint,
      credentials: opts.credentials,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 },
    });
  }

  async send(email: OutgoingEmail): Promise<SendReceipt> {
    // Raw content so that our Message-ID and both parts travel exactly as over SMTP.
    const to = wireRecipient(email.to);
    const raw = await new MailComposer({
      from: email.from,
      to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: email.messageId,
      headers: email.headers,
    })
      .compile()
      .build();
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: email.from,
          Destination: { ToAddresses: [typeof to === 'string' ? to : to.address] },
          Content: { Raw: { Data: raw } },
        }),
      );
      return { providerMessageId: out.MessageId };
    } catch (err) {
      throw classifySesError(err);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
