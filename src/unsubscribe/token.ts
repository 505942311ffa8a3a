import { createHmac, timingSafeEqual } from 'node:crypto';
import { bareAddress } from '../events/ses-event.js';

/** What a token unsubscribes: an address from reminders and digests (the only bulk mail we send). */
export interface UnsubscribeClaim {
  address: string;
  scope: 'reminders';
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(`unsubscribe.v1.${payload}`).digest();

/** `<payload>.<hmac>`, both base64url: no state to keep, nothing guessable, URL-safe. */
export function unsubscribeToken(secret: string, address: string): string {
  const payload = b64(JSON.stringify({ a: bareAddress(address), s: 'reminders' }));
  return `${payload}.${b64(mac(secret, payload))}`;
}

/** The claim of a token this service signed, else undefined (altered, forged, or not a token). */
export function readUnsubscribeToken(secret: string, token: string): UnsubscribeClaim | undefined {
  const m = /^([A-Za-z0-9_-]{1,1000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return undefined;
  const [, payload, sig] = m;
  const given = Buffer.from(sig!, 'base64url');
  const expected = mac(secret, payload!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claim = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as { a?: unknown; s?: unknown };
    if (typeof claim.a !== 'string' || claim.s !== 'reminders') return undefined;
    return { address: claim.a, scope: 'reminders' };
  } catch {
    return undefined;
  }
}

/** The RFC 8058 headers of a reminder or digest to `to`. */
export function unsubscribeHeaders(settings: { secret: string; baseUrl: string }, to: string): Record<string, string> {
  return {
    'List-Unsubscribe': `<${settings.baseUrl}/unsubscribe/${unsubscribeToken(settings.secret, to)}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}
