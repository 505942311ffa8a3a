import { createHash, timingSafeEqual } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { Context, MiddlewareHandler } from 'hono';
import { parseRecipient } from '../mail/address.js';
import { ApiError } from './errors.js';

export interface SecurityOptions {
  /** Empty: no authentication. */
  apiKeys: string[];
  /** Requests per minute per API key (or per client address without keys); 0: unlimited. */
  ratePerMinute: number;
  /** Domains (example.com, also its subdomains) or addresses; empty: anyone. */
  recipientAllowlist: string[];
}

// /events/ses and /unsubscribe/ carry their own proof (an SNS signature, an HMAC token): SNS and mail
// clients cannot send a bearer key.
const OPEN_PATHS = [/^\/$/, /^\/health\//, /^\/openapi\.json$/, /^\/docs(\/|$)/, /^\/events\/ses$/, /^\/unsubscribe\/[^/]+$/];
const digest = (s: string) => createHash('sha256').update(s).digest();

/** Which key a request presented, or undefined. Every key is compared, in constant time. */
function matchKey(header: string | undefined, keys: Buffer[]): number | undefined {
  const token = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim();
  if (!token) return undefined;
  const presented = digest(token);
  let found: number | undefined;
  keys.forEach((k, i) => {
    if (timingSafeEqual(k, presented)) found = i;
  });
  return found;
}

export function apiKeyAuth(keys: string[]): MiddlewareHandler {
  const digests = keys.map(digest);
  return async (c, next) => {
    if (!digests.length || OPEN_PATHS.some((p) => p.test(c.req.path)) || c.req.method === 'OPTIONS') return next();
    const index = matchKey(c.req.header('authorization'), digests);
    if (index === undefined) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ApiError(401, 'unauthorized', 'A valid API key is required: send Authorization: Bearer <key>');
    }
    // The limiter counts per key; only an index is kept, never the key itself.
    c.set('clientId', `key:${index}`);
    return next();
  };
}

function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/** A token bucket per client in this API process: `perMinute` requests, refilled continuously. */
export function rateLimit(perMinute: number, now: () => number = Date.now): MiddlewareHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = perMinute / 60_000;
  return async (c, next) => {
    if (!perMinute || OPEN_PATHS.some((p) => p.test(c.req.path))) return next();
    const id = c.get('clientId') ?? `addr:${clientAddress(c)}`;
    const t = now();
    const b = buckets.get(id) ?? { tokens: perMinute, at: t };
    b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * perMs);
    b.at = t;
    buckets.set(id, b);
    if (b.tokens < 1) {
      c.header('Retry-After', String(Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000))));
      throw new ApiError(429, 'rate_limited', `Too many requests: at most ${perMinute} per minute`);
    }
    b.tokens -= 1;
    if (buckets.size > 10_000) for (const [k, v] of buckets) if (v.tokens >= perMinute) buckets.delete(k);
    return next();
  };
}

/** An allowlist entry's domain in A-labels (exämple.fr -> xn--exmple-cua.fr), so both forms match. */
function asciiEntry(entry: string): string {
  const e = entry.trim().toLowerCase();
  const at = e.lastIndexOf('@');
  const domain = e.slice(at + 1);
  const ascii = /[^\u0000-\u007f]/u.test(domain) ? domainToASCII(domain) || domain : domain;
  return at < 0 ? ascii : `${e.slice(0, at)}@${ascii}`;
}

/**
 * So the API cannot be used as an open relay: only allowlisted domains or addresses receive mail.
 * `address` is the bare address with its domain in A-labels (Recipient.ascii); a display name or a
 * Unicode domain is accepted too and read the same way.
 */
export function recipientAllowed(address: string, allowlist: string[]): boolean {
  if (!allowlist.length) return true;
  const parsed = parseRecipient(address);
  if (!parsed.ok) return false;
  const a = parsed.recipient.ascii.toLowerCase();
  const domain = parsed.recipient.domain;
  return allowlist.some((entry) => {
    const e = asciiEntry(entry);
    return e.includes('@') ? a === e : domain === e || domain.endsWith(`.${e}`);
  });
}
