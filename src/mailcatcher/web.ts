import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { catcherPage } from './page.js';
import { MailFolder } from './store.js';

export { listMail, type StoredMail } from './store.js';

const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-src 'self'; img-src 'self' data:";
// The caught HTML is untrusted: its own sandbox (no scripts, opaque origin), no remote loads
// (tracking pixels, fonts), inline styles and inline images only.
const MAIL_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:; font-src data:";

/** The catcher's page and its JSON API over the .eml files in `dir`. */
export function mailWebApp(dir: string) {
  const folder = new MailFolder(dir);
  return new Hono()
    .get('/', (c) => {
      c.header('content-security-policy', PAGE_CSP);
      return c.html(catcherPage(dir));
    })
    .get('/api/messages', async (c) => c.json(await folder.list(c.req.query('q') ?? '')))
    .delete('/api/messages', async (c) => c.json({ deleted: await folder.removeAll() }))
    .get('/api/messages/:id', async (c) => {
      const mail = await folder.open(c.req.param('id'));
      return mail ? c.json(mail) : c.json({ error: 'no such message' }, 404);
    })
    .delete('/api/messages/:id', async (c) => ((await folder.remove(c.req.param('id'))) ? c.json({ deleted: 1 }) : c.json({ error: 'no such message' }, 404)))
    .get('/api/messages/:id/html', async (c) => {
      const mail = await folder.open(c.req.param('id'));
      if (!mail) return c.notFound();
      return c.body(mail.html, 200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': MAIL_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
    })
    .get('/api/messages/:id/raw', async (c) => {
      const raw = await folder.raw(c.req.param('id'));
      return raw ? c.body(new Uint8Array(raw), 200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }) : c.notFound();
    })
    .get('/messages/:file{[\\w-]+\\.eml}', async (c) => {
      const raw = await folder.raw(c.req.param('file').replace(/\.eml$/, ''));
      return raw ? c.body(new Uint8Array(raw), 200, { 'content-type': 'message/rfc822' }) : c.notFound();
    })
    // Links from before the single page: open the message there.
    .get('/messages/:id', (c) => c.redirect(`/#${encodeURIComponent(c.req.param('id'))}`));
}

/** The page, listening; a port it cannot have is a clear error, never an unhandled 'error' event. */
export function startMailWeb(dir: string, port: number, host = '127.0.0.1'): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: mailWebApp(dir).fetch, port, hostname: host }, () => {
      server.off('error', fail);
      resolve(server);
    });
    const fail = (err: Error) => reject(new Error(`the mail catcher page cannot listen on ${host}:${port} (${err.message}): set MAILCATCHER_HTTP_PORT to a free port`));
    server.once('error', fail);
  });
}
