import type { HonoRequest } from 'hono';
import type { SendEmailInput } from '../shared.js';
import { ApiError, invalid } from './errors.js';
import { fieldProblems, messageRequestSchema } from './schemas.js';
import { recipientAllowed } from './security.js';
import { recipientOf } from '../mail/address.js';
import type { Utf8Check, Utf8Support } from '../mail/utf8-support.js';

/**
 * A query parameter that may be given at most once: `?limit=10&limit=500` is a 400 naming it, never
 * read as whichever copy a framework happens to pick.
 */
export function queryOnce(req: HonoRequest, name: string): string | undefined {
  const values = req.queries(name) ?? [];
  if (values.length > 1) throw invalid([{ field: name, reason: `is given ${values.length} times; give it once` }]);
  return values[0];
}

export async function readJson(req: Request): Promise<unknown> {
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/([^;\s]+\+)?json\s*(;|$)/i.test(type)) {
    // 400, as the Flask mailer answered a request that was not JSON.
    throw invalid([{ field: 'Content-Type', reason: 'must be application/json (the body must be JSON)' }]);
  }
  return parseJson(await readText(req));
}

/** The body as text: bytes that are not UTF-8 are refused, never turned into U+FFFD (a leading BOM is dropped). */
export async function readText(req: Request): Promise<string> {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(await req.arrayBuffer());
  } catch {
    throw invalid([{ field: 'body', reason: 'is not valid UTF-8' }]);
  }
}

/** JSON text to a value; `notJson` is the 400's reason when it does not parse. */
export function parseJson(text: string, notJson = 'is not valid JSON'): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid([{ field: 'body', reason: notJson }]);
  }
  const repeated = repeatedKeyAt(text);
  // JSON.parse keeps the last copy of a repeated key and drops the others without a word.
  if (repeated !== undefined) throw invalid([{ field: shortPath(repeated), reason: 'is given more than once in its object; give it once' }]);
  const broken = loneSurrogateAt(body);
  // A \ud800 escape without its pair is valid JSON but no text: no provider could send it as written.
  if (broken !== undefined) throw invalid([{ field: shortPath(broken || undefined), reason: 'holds an unpaired surrogate escape (\\uD800 to \\uDFFF), which is not text' }]);
  return body;
}

/**
 * A dotted path as an error names it: 'body' for the body itself, '""' for an empty top-level key, and
 * at most 200 characters (bodies nest deep), never cut inside a surrogate pair.
 */
function shortPath(path: string | undefined): string {
  if (path === undefined) return 'body';
  if (!path) return '""';
  if (path.length <= 200) return path;
  const end = /[\uD800-\uDBFF]/.test(path[198]!) ? 198 : 199;
  return `${path.slice(0, end)}…`;
}

/** Where the JSON string opening at `open` ends: the index just past its closing quote. */
function stringEnd(text: string, open: number): number {
  for (let close = text.indexOf('"', open + 1); ; close = text.indexOf('"', close + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return close + 1;
  }
}

/**
 * The dotted path of the first key repeated within one object of `text`, which must be valid JSON
 * (JSON.parse accepted it). Keys compare as decoded: `"to"` and `"t\u006f"` are the same key.
 * A loop, not a regular expression or recursion: a 10 MB body of escapes overflows either.
 */
export function repeatedKeyAt(text: string): string | undefined {
  // One frame per open object (the keys it has, the one whose value is being read) or array (the index).
  const frames: ({ keys: Set<string>; key: string } | { index: number })[] = [];
  let lastString = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = frames[frames.length - 1];
    if (c === '"') {
      const end = stringEnd(text, i);
      lastString = text.slice(i, end);
      i = end - 1;
    } else if (c === ':' && top && 'keys' in top) {
      const key = JSON.parse(lastString) as string;
      if (top.keys.has(key)) return [...frames.slice(0, -1).map((f) => ('keys' in f ? f.key : String(f.index))), key].join('.');
      top.keys.add(key);
      top.key = key;
    } else if (c === ',' && top && 'index' in top) top.index++;
    else if (c === '{') frames.push({ keys: new Set(), key: '' });
    else if (c === '[') frames.push({ index: 0 });
    else if (c === '}' || c === ']') frames.pop();
  }
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The dotted path of the first string (or key) holding an unpaired surrogate; '' for the body itself.
 * Iterative: a body may nest deeper than the call stack goes.
 */
function loneSurrogateAt(body: unknown): string | undefined {
  const todo: [unknown, string][] = [[body, '']];
  while (todo.length) {
    const [value, path] = todo.pop()!;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return path;
    } else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value).reverse()) {
        const at = path ? `${path}.${key}` : key;
        if (LONE_SURROGATE.test(key)) return at;
        todo.push([v, at]);
      }
    }
  }
  return undefined;
}

export interface RecipientRules {
  allowlist: string[];
  /** Whether the providers can send to a local part beyond ASCII; absent: they cannot. */
  utf8LocalParts?: Utf8Check;
}

/** One message of the old payload, validated, allowlisted and turned into the workflow's input. */
export async function toEmailInput(raw: unknown, rules: RecipientRules): Promise<SendEmailInput> {
  const parsed = messageRequestSchema.safeParse(raw);
  if (!parsed.success) throw invalid(fieldProblems(parsed.error));
  const body = parsed.data;
  const recipient = recipientOf(body.destinataire);
  if (!recipientAllowed(recipient.ascii, rules.allowlist)) {
    throw new ApiError(403, 'recipient_not_allowed', 'This service does not send to that recipient (RECIPIENT_ALLOWLIST)', [
      { field: 'destinataire', reason: 'is not in the recipient allowlist' },
    ]);
  }
  if (recipient.utf8Local) {
    const support: Utf8Support = rules.utf8LocalParts
      ? await rules.utf8LocalParts()
      : { supported: false, reason: 'no mail provider here can send to a local part beyond ASCII' };
    if (!support.supported) {
      const problem = [{ field: 'destinataire', reason: `has a local part beyond ASCII, but ${support.reason}` }];
      if (support.transient) throw new ApiError(503, 'provider_unavailable', `Cannot accept destinataire now: ${problem[0]!.reason}`, problem);
      throw invalid(problem);
    }
  }
  return {
    // As given (display name, Unicode domain): the status shows it; the mailer puts it on the wire.
    to: body.destinataire.trim(),
    subject: body.sujet,
    text: body.message,
    enhance: body.enhance_content === true,
    ...(body.send_at ? { sendAt: new Date(body.send_at).toISOString() } : {}),
  };
}
