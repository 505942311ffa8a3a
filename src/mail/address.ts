import { domainToASCII } from 'node:url';

/**
 * One recipient as people write it: `a@example.com`, `Name <a@example.com>`, `"Doe, Jane" <a@example.com>`,
 * an internationalised domain (`a@exämple.fr`, sent as punycode) or, where the provider can send it,
 * a local part beyond ASCII (`josé@example.com`). Never a list, a group or a comment: the API must
 * not become a way to reach many people, and nothing here can carry CR, LF or NUL into a header.
 */
export interface Recipient {
  /** The display name, unquoted; absent for a bare address. */
  name?: string;
  /** The address as given (Unicode domain kept): what the status and the catcher show. */
  address: string;
  /** What goes on the wire: the domain in punycode (A-labels), the local part as given. */
  ascii: string;
  domain: string;
  /** A local part beyond ASCII: needs SMTPUTF8 (RFC 6531) or SES's raw send. */
  utf8Local: boolean;
}

export type ParsedRecipient = { ok: true; recipient: Recipient } | { ok: false; reason: string };

const UNSAFE = /[\r\n\0]/;
/** C0 controls and DEL: never part of an address, a header or a value PostgreSQL can store (NUL). */
export const CONTROL = /[\u0000-\u001f\u007f]/u;
// RFC 5322 atext plus, per RFC 6531, any non-ASCII character; a dot-atom, no quoted local parts.
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\\u0000-\\u007f]";
const LOCAL = new RegExp(`^(?:${ATEXT})+(?:\\.(?:${ATEXT})+)*$`, 'u');
const ASCII_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// An unquoted display name: words, dots and apostrophes (J. O'Neil), anything beyond ASCII; no specials.
const PLAIN_NAME = /^[^"<>@,;:\\()[\]\u0000-\u001f\u007f]+$/u;
const QUOTED_NAME = /^"((?:[^"\\\u0000-\u001f\u007f]|\\[^\u0000-\u001f\u007f])*)"$/u;

function parseAddrSpec(spec: string): ParsedRecipient {
  const at = spec.lastIndexOf('@');
  if (at <= 0 || at === spec.length - 1) return { ok: false, reason: 'must be a single valid email address' };
  const local = spec.slice(0, at);
  const domain = spec.slice(at + 1);
  if (!LOCAL.test(local) || new TextEncoder().encode(local).length > 64) return { ok: false, reason: 'must be a single valid email address' };
  // WHATWG's IDNA mapping: exämple.fr -> xn--exmple-cua.fr, '' for what is not a domain.
  const asciiDomain = /[^\u0000-\u007f]/u.test(domain) ? domainToASCII(domain) : domain.toLowerCase();
  const labels = asciiDomain.split('.');
  if (!asciiDomain || labels.length < 2 || !labels.every((l) => ASCII_LABEL.test(l)) || asciiDomain.length > 253) {
    return { ok: false, reason: 'must be a single valid email address (the domain is not valid)' };
  }
  const ascii = `${local}@${asciiDomain}`;
  if (new TextEncoder().encode(ascii).length > 254) return { ok: false, reason: 'must be a single valid email address (too long)' };
  return { ok: true, recipient: { address: spec, ascii, domain: asciiDomain, utf8Local: /[^\u0000-\u007f]/u.test(local) } };
}

export function parseRecipient(input: string): ParsedRecipient {
  if (UNSAFE.test(input)) return { ok: false, reason: 'must not contain CR, LF or NUL' };
  const text = input.trim();
  if (CONTROL.test(text)) return { ok: false, reason: 'must not contain control characters' };
  const angled = /^(.*?)\s*<([^<>]*)>$/su.exec(text);
  if (!angled) {
    if (/[<>\s,;"]/.test(text)) return { ok: false, reason: 'must be a single valid email address, optionally as Name <address>' };
    return parseAddrSpec(text);
  }
  const [, rawName = '', spec = ''] = angled;
  let name: string | undefined;
  if (rawName) {
    const quoted = QUOTED_NAME.exec(rawName);
    if (quoted) name = quoted[1]!.replace(/\\(.)/gu, '$1');
    else if (PLAIN_NAME.test(rawName)) name = rawName.replace(/\s+/g, ' ');
    else return { ok: false, reason: 'has a display name that must be quoted ("Doe, Jane" <a@example.com>); one address only' };
  }
  const parsed = parseAddrSpec(spec.trim());
  if (!parsed.ok) return parsed;
  return { ok: true, recipient: { ...parsed.recipient, ...(name?.trim() ? { name: name.trim() } : {}) } };
}

/**
 * The recipient as a mailer hands it to nodemailer: the display name apart (nodemailer encodes it),
 * the domain in punycode. A string it cannot read (an old row's address) goes through unchanged, as before.
 */
export function wireRecipient(to: string): { name: string; address: string } | string {
  const parsed = parseRecipient(to);
  return parsed.ok ? { name: parsed.recipient.name ?? '', address: parsed.recipient.ascii } : to;
}

/** For code that was handed an already validated recipient (workflow input): throws if it is not one. */
export function recipientOf(input: string): Recipient {
  const parsed = parseRecipient(input);
  if (!parsed.ok) throw new Error(`not a valid recipient: ${parsed.reason}`);
  return parsed.recipient;
}
