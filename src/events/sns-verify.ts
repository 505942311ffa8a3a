import type { Agent } from 'node:https';
import Validator from 'sns-payload-validator';

/** The SNS message types this endpoint accepts. */
export type SnsType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface SnsMessage {
  Type: SnsType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SubscribeURL?: string;
  Token?: string;
  Subject?: string;
}

/** A refused SNS message: `status` 400 (malformed) or 403 (not from SNS, or not for us). */
export class SnsRefused extends Error {
  constructor(
    readonly status: 400 | 403,
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const TYPES = new Set<SnsType>(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);
const REQUIRED = ['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp', 'Signature', 'SignatureVersion', 'SigningCertURL'] as const;
// What SNS itself uses; the package checks the same pattern before it fetches anything.
export const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
const CERT_FETCH_TIMEOUT_MS = 10_000;

export type SnsVerifier = (raw: string) => Promise<SnsMessage>;

/**
 * Verifies an SNS HTTP(S) message before anything else: shape, allowed topic, then the signature
 * (SignatureVersion 1 SHA1 or 2 SHA256) with the certificate at SigningCertURL, which
 * `sns-payload-validator` fetches only over HTTPS from an SNS host and caches.
 */
export function createSnsVerifier(opts: { topicArns: string[]; agent?: Agent }): SnsVerifier {
  const validator = new Validator({ useCache: true, maxCerts: 100, requestAgent: opts.agent });
  const topics = new Set(opts.topicArns);
  return async (raw) => {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new SnsRefused(400, 'invalid_body', 'body', 'The body is not a JSON SNS message');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SnsRefused(400, 'invalid_body', 'body', 'The body is not a JSON object');
    const msg = body as Record<string, unknown>;
    for (const key of REQUIRED) {
      if (typeof msg[key] !== 'string' || msg[key] === '') throw new SnsRefused(400, 'invalid_body', key, `${key} is missing or not a string`);
    }
    if (!TYPES.has(msg.Type as SnsType)) throw new SnsRefused(400, 'invalid_body', 'Type', `Type ${String(msg.Type)} is not handled`);
    if (!topics.has(msg.TopicArn as string)) throw new SnsRefused(403, 'unknown_topic', 'TopicArn', 'TopicArn is not in SES_EVENTS_TOPIC_ARNS');
    if (msg.Type !== 'Notification') {
      if (typeof msg.SubscribeURL !== 'string' || typeof msg.Token !== 'string') throw new SnsRefused(400, 'invalid_body', 'SubscribeURL', 'SubscribeURL and Token are required');
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        validator.validate(msg),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('the signing certificate could not be fetched in time')), CERT_FETCH_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      const reason = (err as Error).message;
      const field = /SigningCertURL/i.test(reason) ? 'SigningCertURL' : /SignatureVersion/.test(reason) ? 'SignatureVersion' : 'Signature';
      throw new SnsRefused(403, 'invalid_signature', field, `The SNS signature was not verified: ${reason}`);
    } finally {
      clearTimeout(timer);
    }
    if (msg.SubscribeURL !== undefined && !isSnsUrl(msg.SubscribeURL as string)) {
      throw new SnsRefused(403, 'invalid_body', 'SubscribeURL', 'SubscribeURL is not an https URL of an SNS host');
    }
    return msg as unknown as SnsMessage;
  };
}

export function isSnsUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.port === '' && SNS_HOST.test(u.hostname);
  } catch {
    return false;
  }
}
