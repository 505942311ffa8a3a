import { Hono } from 'hono';
import { html } from 'hono/html';
import type { SuppressionStore } from '../../db/suppressions.js';
import { readUnsubscribeToken } from '../../unsubscribe/token.js';
import { ApiError } from '../errors.js';

const page = (title: string, body: ReturnType<typeof html>) => html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1rem}</style></head>
<body><h1>${title}</h1>${body}</body></html>`;

/**
 * RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click` to the link, without
 * cookies or JavaScript; a person opening the link gets a page with one button doing the same POST.
 */
export function unsubscribeRoutes(secret: string, store: SuppressionStore) {
  const claim = (token: string) => {
    const found = readUnsubscribeToken(secret, token);
    if (!found) throw new ApiError(403, 'invalid_token', 'This unsubscribe link is not valid', [{ field: 'token', reason: 'signature does not match' }]);
    return found;
  };
  return new Hono()
    .get('/:token', (c) => {
      const { address } = claim(c.req.param('token'));
      c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
      return c.html(
        page(
          'Unsubscribe from reminders',
          html`<p>Stop task reminders and digests to <strong>${address}</strong>?</p>
            <form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
    })
    .post('/:token', async (c) => {
      const { address } = claim(c.req.param('token'));
      await store.add({ address, scope: 'reminders', reason: 'unsubscribe', source: 'one-click' });
      if ((c.req.header('accept') ?? '').includes('text/html')) return c.html(page('Unsubscribed', html`<p>${address} will get no more reminders.</p>`));
      return c.json({ address, unsubscribed: 'reminders' });
    });
}
