import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { wireRecipient } from './address.js';
import { smtpUtf8Check, type Utf8Check } from './utf8-support.js';
import { MailError, type Mailer, type OutgoingEmail, type SendReceipt } from './types.js';

export interface SmtpOptions {
  host: string;
  port: number;
  user?: string;
  password?: string;
  poolSize: number;
}

const RETRYABLE_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EPROTOCOL']);

/** SMTP replies: 4xx are transient by definition (RFC 5321), 5xx permanent; network errors are retried. */
export function classifySmtpError(err: unknown): MailError {
  const e = err as { message?: string; code?: string; responseCode?: number; response?: string };
  const message = e.response ?? e.message ?? String(err);
  if (typeof e.responseCode === 'number') {
    if (e.responseCode >= 500) return new MailError(message, `SmtpPermanent${e.responseCode}`, true);
    if (e.responseCode >= 400) return new MailError(message, `SmtpTransient${e.responseCode}`, false);
  }
  if (e.code && RETRYABLE_CODES.has(e.code)) return new MailError(message, `SmtpConnection:${e.code}`, false);
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return new MailError(message, `SmtpRejected:${e.code}`, true);
  // Unknown: retry; the workflow's attempt limit bounds it.
  return new MailError(message, `SmtpError:${e.code ?? 'unknown'}`, false);
}

export class SmtpMailer implements Mailer {
  readonly name = 'smtp' as const;
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;
  private readonly utf8: Utf8Check;

  constructor(opts: SmtpOptions) {
    this.utf8 = smtpUtf8Check(opts);
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: opts.poolSize,
      host: opts.host,
      port: opts.port,
      // As the Flask mailer did: 465 is implicit TLS (SMTP_SSL), 587 must upgrade with STARTTLS.
      secure: opts.port === 465,
      requireTLS: opts.port === 587,
      auth: opts.user ? { user: opts.user, pass: opts.password ?? '' } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(email: OutgoingEmail): Promise<SendReceipt> {
    const to = wireRecipient(email.to);
    if (typeof to !== 'string' && /[^\u0000-\u007f]/u.test(to.address.split('@')[0]!)) {
      // Without SMTPUTF8 nodemailer would send the UTF-8 address anyway and leave it to the server.
      const support = await this.utf8();
      if (!support.supported) throw new MailError(support.reason, support.transient ? 'SmtpConnection:probe' : 'SmtpUtf8Unsupported', !support.transient);
    }
    try {
      const info = await this.transport.sendMail({
        from: email.from,
        to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: email.messageId,
        headers: email.headers,
      });
      const queued = /queued as ([^\s]+)/i.exec(info.response ?? '');
      return { providerMessageId: queued?.[1] ?? info.response };
    } catch (err) {
      throw classifySmtpError(err);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
