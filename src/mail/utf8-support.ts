import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type { Config } from '../env.js';
import type { SmtpOptions } from './smtp.js';

/** Whether the configured providers can deliver to a local part beyond ASCII (josé@example.com). */
export type Utf8Support = { supported: true } | { supported: false; reason: string; transient?: boolean };
export type Utf8Check = () => Promise<Utf8Support>;

const PROBE_TIMEOUT_MS = 5_000;
const KEEP_ANSWER_MS = 60_000;

/** Asks the SMTP server (EHLO) whether it offers SMTPUTF8 (RFC 6531). */
export function probeSmtpUtf8(opts: Pick<SmtpOptions, 'host' | 'port'>): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const conn = new SMTPConnection({
      host: opts.host,
      port: opts.port,
      secure: opts.port === 465,
      connectionTimeout: PROBE_TIMEOUT_MS,
      greetingTimeout: PROBE_TIMEOUT_MS,
      socketTimeout: PROBE_TIMEOUT_MS,
    });
    conn.once('error', reject);
    conn.connect(() => {
      // nodemailer keeps the EHLO keywords here; it has no public accessor for them.
      const features = (conn as unknown as { _supportedExtensions?: string[] })._supportedExtensions ?? [];
      conn.quit();
      resolve(features.includes('SMTPUTF8'));
    });
  });
}

/** SMTP: what the server says, asked at most once a minute. The reasons reach API clients: no host in them. */
export function smtpUtf8Check(opts: Pick<SmtpOptions, 'host' | 'port'>, probe = probeSmtpUtf8): Utf8Check {
  let answer: { at: number; value: Promise<Utf8Support> } | undefined;
  return async () => {
    if (!answer || Date.now() - answer.at > KEEP_ANSWER_MS) {
      const value = probe(opts).then(
        (ok): Utf8Support =>
          ok ? { supported: true } : { supported: false, reason: 'the SMTP server does not offer SMTPUTF8, so it cannot send to a local part beyond ASCII' },
        (): Utf8Support => ({ supported: false, transient: true, reason: 'the SMTP server did not answer, so SMTPUTF8 support could not be checked' }),
      );
      answer = { at: Date.now(), value };
    }
    const v = await answer.value;
    // A server that did not answer is asked again next time.
    if (!v.supported && v.transient) answer = undefined;
    return v;
  };
}

// AWS documents it for SES v2 (Destination): no SMTPUTF8, so a recipient's local part must be 7-bit ASCII
// (domains beyond ASCII go as punycode, which the address parser already does).
const SES_NO_UTF8: Utf8Support = { supported: false, reason: 'Amazon SES does not support SMTPUTF8 (RFC 6531), so it cannot send to a local part beyond ASCII' };

/** Every provider that may send the email (the primary and any fallback) must be able to. */
export function createUtf8Check(config: Pick<Config, 'mail' | 'smtp'>): Utf8Check {
  const providers = [config.mail.provider, ...(config.mail.fallback ? [config.mail.fallback] : [])];
  const smtp = providers.includes('smtp') ? smtpUtf8Check(config.smtp) : undefined;
  const ses = providers.includes('ses');
  return async () => (ses ? SES_NO_UTF8 : smtp ? smtp() : { supported: true });
}
