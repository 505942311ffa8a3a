import type { Config } from '../env.js';
import type { ProviderName } from '../shared.js';
import { SmtpMailer } from './smtp.js';
import type { Mailer } from './types.js';

export type Mailers = Partial<Record<ProviderName, Mailer>>;

/**
 * Built once per worker: a pooled SMTP transport and one SES client, shared by every activity. The
 * AWS SDK is loaded only by a worker that sends through SES (about 20 MB of its memory otherwise).
 */
export async function createMailers(config: Config): Promise<Mailers> {
  const wanted = new Set<ProviderName>([config.mail.provider, ...(config.mail.fallback ? [config.mail.fallback] : [])]);
  const mailers: Mailers = {};
  if (wanted.has('smtp')) mailers.smtp = new SmtpMailer(config.smtp);
  if (wanted.has('ses')) mailers.ses = new (await import('./ses.js')).SesMailer(config.ses);
  return mailers;
}

export async function closeMailers(mailers: Mailers): Promise<void> {
  await Promise.all(Object.values(mailers).map((m) => m?.close()));
}
