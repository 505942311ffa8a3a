import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { readableAddresses } from './catcher.js';

/** One caught message as the list shows it. */
export interface StoredMail {
  id: string;
  date: string;
  from: string;
  to: string;
  subject: string;
  messageId: string;
  size: number;
  hasHtml: boolean;
  snippet: string;
}

/** One message opened: its parts and every header, in order. */
export interface OpenedMail extends StoredMail {
  text: string;
  html: string;
  headers: { name: string; value: string }[];
}

const ID = /^[\w-]+$/;
const addressText = (a: ParsedMail['to']) => readableAddresses(Array.isArray(a) ? a.map((x) => x.text).join(', ') : (a?.text ?? '')) ?? '';

function summary(id: string, p: ParsedMail, size: number): StoredMail {
  return {
    id,
    date: p.date?.toISOString() ?? '',
    from: readableAddresses(p.from?.text) ?? '',
    to: addressText(p.to),
    subject: p.subject ?? '',
    messageId: p.messageId ?? '',
    size,
    hasHtml: typeof p.html === 'string' && p.html.length > 0,
    snippet: (p.text ?? '').replace(/\s+/g, ' ').trim().slice(0, 120),
  };
}

/**
 * The .eml files of a folder (the catcher writes one per message, named `<ms>-<seq>.eml`). Parsed
 * summaries are kept per file and size, so a page refreshing every few seconds does not re-parse all.
 */
export class MailFolder {
  private readonly cache = new Map<string, { size: number; mail: StoredMail }>();

  constructor(readonly dir: string) {}

  private file(id: string): string | undefined {
    return ID.test(id) ? path.join(this.dir, `${id}.eml`) : undefined;
  }

  /** Newest first; `query` keeps those whose recipient, sender or subject contains it (any case). */
  async list(query = ''): Promise<StoredMail[]> {
    let files: string[];
    try {
      files = (await readdir(this.dir)).filter((f) => f.endsWith('.eml'));
    } catch {
      return [];
    }
    const mails = (
      await Promise.all(
        files.map(async (f) => {
          const id = f.replace(/\.eml$/, '');
          const size = await stat(path.join(this.dir, f)).then((s) => s.size, () => -1);
          if (size < 0) return undefined;
          const hit = this.cache.get(id);
          if (hit && hit.size === size) return hit.mail;
          const raw = await readFile(path.join(this.dir, f)).catch(() => undefined);
          if (!raw) return undefined;
          const mail = summary(id, await simpleParser(raw), size);
          this.cache.set(id, { size, mail });
          return mail;
        }),
      )
    ).filter((m): m is StoredMail => !!m);
    for (const id of this.cache.keys()) if (!files.includes(`${id}.eml`)) this.cache.delete(id);
    const q = query.trim().toLowerCase();
    const found = q ? mails.filter((m) => [m.to, m.from, m.subject].some((v) => v.toLowerCase().includes(q))) : mails;
    return found.sort((a, b) => b.id.localeCompare(a.id, undefined, { numeric: true }));
  }

  async raw(id: string): Promise<Buffer | undefined> {
    const file = this.file(id);
    return file ? readFile(file).catch(() => undefined) : undefined;
  }

  async open(id: string): Promise<OpenedMail | undefined> {
    const raw = await this.raw(id);
    if (!raw) return undefined;
    const p = await simpleParser(raw);
    return {
      ...summary(id, p, raw.length),
      text: p.text ?? '',
      html: typeof p.html === 'string' ? p.html : '',
      headers: p.headerLines.map((h) => {
        const colon = h.line.indexOf(':');
        return { name: colon > 0 ? h.line.slice(0, colon) : h.key, value: (colon > 0 ? h.line.slice(colon + 1) : h.line).replace(/\r?\n[ \t]+/g, ' ').trim() };
      }),
    };
  }

  async remove(id: string): Promise<boolean> {
    const file = this.file(id);
    if (!file) return false;
    return unlink(file).then(() => true, () => false);
  }

  async removeAll(): Promise<number> {
    const mails = await this.list();
    const removed = await Promise.all(mails.map((m) => this.remove(m.id)));
    return removed.filter(Boolean).length;
  }
}

/** The messages kept as .eml files, newest first (`npm run mail`). */
export function listMail(dir: string, query = ''): Promise<StoredMail[]> {
  return new MailFolder(dir).list(query);
}
