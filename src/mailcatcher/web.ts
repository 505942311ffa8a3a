import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { simpleParser } from 'mailparser';
import { escapeHtml as esc } from '../enhance/html.js';


export interface StoredMail {
  id: string;
  date: string;
  from: string;
  to: string;
  subject: string;
  messageId: string;
}

/** The messages kept as .eml files, newest first. */
export async function listMail(dir: string): Promise<StoredMail[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  const mails = await Promise.all(
    files.map(async (f) => {
      const p = await simpleParser(await readFile(path.join(dir, f)));
      return {
        id: f.replace(/\.eml$/, ''),
        date: p.date?.toISOString() ?? '',
        from: p.from?.text ?? '',
        to: Array.isArray(p.to) ? p.to.map((a) => a.text).join(', ') : (p.to?.text ?? ''),
        subject: p.subject ?? '',
        messageId: p.messageId ?? '',
      };
    }),
  );
  return mails.sort((a, b) => b.id.localeCompare(a.id, undefined, { numeric: true }));
}

/** A small page listing caught mail; each message opens as text, HTML (sandboxed) and raw .eml. */
export function startMailWeb(dir: string, port: number, host = '127.0.0.1'): ServerType {
  const app = new Hono()
    .get('/', async (c) => {
      const rows = (await listMail(dir))
        .map((m) => `<tr><td>${esc(m.date)}</td><td>${esc(m.from)}</td><td>${esc(m.to)}</td><td><a href="/messages/${encodeURIComponent(m.id)}">${esc(m.subject || '(no subject)')}</a></td><td><code>${esc(m.messageId)}</code></td></tr>`)
        .join('');
      return c.html(`<!doctype html><meta charset="utf-8"><title>Mail catcher</title><style>body{font-family:sans-serif}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}</style><h1>Mail catcher</h1><p>${esc(dir)}</p><table><tr><th>Date</th><th>From</th><th>To</th><th>Subject</th><th>Message-ID</th></tr>${rows}</table>`);
    })
    .get('/api/messages', async (c) => c.json(await listMail(dir)))
    .get('/messages/:id{[\\w-]+\\.eml}', async (c) => {
      const file = c.req.param('id');
      const raw = await readFile(path.join(dir, file)).catch(() => undefined);
      return raw ? c.body(new Uint8Array(raw), 200, { 'content-type': 'message/rfc822' }) : c.notFound();
    })
    .get('/messages/:id', async (c) => {
      const id = c.req.param('id');
      if (!/^[\w-]+$/.test(id)) return c.notFound();
      const raw = await readFile(path.join(dir, `${id}.eml`)).catch(() => undefined);
      if (!raw) return c.notFound();
      const p = await simpleParser(raw);
      const html = typeof p.html === 'string' ? p.html : '';
      return c.html(`<!doctype html><meta charset="utf-8"><title>${esc(p.subject ?? '')}</title><p><a href="/">All messages</a> · <a href="/messages/${id}.eml">raw .eml</a></p><h1>${esc(p.subject ?? '')}</h1><p>From ${esc(p.from?.text ?? '')}</p><h2>HTML</h2><iframe sandbox style="width:100%;height:300px;border:1px solid #ccc" srcdoc="${esc(html)}"></iframe><h2>Text</h2><pre>${esc(p.text ?? '')}</pre>`);
    });
  return serve({ fetch: app.fetch, port, hostname: host });
}
