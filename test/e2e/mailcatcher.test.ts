import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../../src/dev/ports.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { startMailWeb } from '../../src/mailcatcher/web.js';
import { infra } from '../support/env.js';
import { launchBrowser, SCREENSHOTS } from './web-ui.js';

interface Doc {
  querySelectorAll(s: string): { length: number };
  querySelector(s: string): { textContent: string | null } | null;
  body: { dataset: Record<string, string | undefined> };
}

describe('the mail catcher page, in headless Chromium: list, open, HTML in a sandbox, tabs, search, refresh, delete', () => {
  const dir = mkdtempSync(path.join(infra.workDir, 'catcher-'));
  const catcher = new MailCatcher({ dir });
  let web: Awaited<ReturnType<typeof startMailWeb>>;
  let base = '';
  let browser: Browser;
  let page: Page;
  let tracker: Server;
  let trackerHits = 0;
  let send: (subject: string, to: string, html: string, text: string) => Promise<unknown>;

  before(async () => {
    const smtpPort = await catcher.start();
    const httpPort = await freePort();
    web = await startMailWeb(dir, httpPort);
    base = `http://127.0.0.1:${httpPort}`;
    tracker = createServer((_req, res) => {
      trackerHits++;
      res.end();
    });
    await new Promise<void>((r) => tracker.listen(0, '127.0.0.1', r));
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    send = (subject, to, html, text) => transport.sendMail({ from: 'Sender <s@example.org>', to, subject, html, text });
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => web?.close(r));
    await new Promise((r) => tracker?.close(r));
    await catcher.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const subjects = () => page.locator('#list li .subject').allTextContents();
  // Page-side functions (strings would need eval, which the page's CSP refuses); no DOM types here.
  const listed = (n: number) => page.waitForFunction((n) => (globalThis as unknown as { document: Doc }).document.querySelectorAll('#list li').length === n, n);
  const topSubject = (subject: string) =>
    page.waitForFunction((s) => (globalThis as unknown as { document: Doc }).document.querySelector('#list li .subject')?.textContent === s, subject, { timeout: 10_000 });

  test('newest first; opening a message shows its headers and renders its HTML in a sandboxed iframe, scripts and remote loads blocked', async () => {
    await send('Older one', 'first@example.com', '<p>first</p>', 'first');
    await new Promise((r) => setTimeout(r, 20));
    const pixel = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}/pixel.gif`;
    await send(
      'Invoice 42',
      'Ada Lovelace <ada@example.com>',
      `<h1 id="greeting">Hello <strong>Ada</strong></h1><p>Your invoice.</p><img src="${pixel}"><script>parent.document.body.dataset.pwned = "1"; document.title = "pwned";</script>`,
      'Hello Ada, in plain text.',
    );
    await page.goto(base);
    await listed(2);
    assert.deepEqual(await subjects(), ['Invoice 42', 'Older one']);
    // The API the tests and `npm run mail` read keeps its shape.
    const api = (await (await fetch(`${base}/api/messages`)).json()) as { subject: string; to: string }[];
    assert.deepEqual(api.map((m) => m.subject), ['Invoice 42', 'Older one']);

    await page.locator('#list li', { hasText: 'Invoice 42' }).click();
    await page.waitForSelector('#summary h2');
    assert.equal(await page.locator('#summary h2').textContent(), 'Invoice 42');
    assert.match((await page.locator('#summary').textContent()) ?? '', /"Ada Lovelace" <ada@example\.com>/);
    const frame = page.frameLocator('#html-frame');
    assert.equal(await frame.locator('#greeting strong').textContent(), 'Ada');
    assert.equal(await frame.locator('p').textContent(), 'Your invoice.');
    assert.equal(await page.locator('#html-frame').getAttribute('sandbox'), '');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'mailcatcher-html.png') });
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: Doc }).document.body.dataset.pwned), undefined, "the email's script did not run");
    assert.equal(trackerHits, 0, 'the remote image was not loaded');
    const [invoice] = (await (await fetch(`${base}/api/messages?q=invoice`)).json()) as { id: string }[];
    const htmlRes = await fetch(`${base}/api/messages/${invoice!.id}/html`);
    assert.match(htmlRes.headers.get('content-security-policy') ?? '', /sandbox; default-src 'none'/);
  });

  test('Text, Source and Headers tabs', async () => {
    await page.locator('nav.tabs button[data-tab=text]').click();
    assert.equal(await page.locator('#pane-text pre').textContent(), 'Hello Ada, in plain text.');
    assert.ok(await page.locator('#pane-text').isVisible());
    await page.locator('nav.tabs button[data-tab=source]').click();
    await page.waitForFunction(() => ((globalThis as unknown as { document: Doc }).document.querySelector('#source')?.textContent ?? '').includes('Subject: Invoice 42'));
    assert.match((await page.locator('#source').textContent()) ?? '', /Content-Type: multipart\/alternative/);
    await page.locator('nav.tabs button[data-tab=headers]').click();
    const headers = (await page.locator('#pane-headers').textContent()) ?? '';
    assert.match(headers, /Message-ID/i);
    assert.match(headers, /SubjectInvoice 42/);
  });

  test('search by recipient or subject', async () => {
    await page.fill('#search', 'first@');
    await listed(1);
    assert.deepEqual(await subjects(), ['Older one']);
    await page.fill('#search', 'INVOICE');
    await listed(1);
    await topSubject('Invoice 42');
    await page.fill('#search', '');
    await listed(2);
  });

  test('a new message appears without reloading, on top', async () => {
    await send('Arrived later', 'late@example.com', '<p>late</p>', 'late');
    await topSubject('Arrived later');
    assert.deepEqual(await subjects(), ['Arrived later', 'Invoice 42', 'Older one']);
  });

  test('delete all empties the list and the folder', async () => {
    page.once('dialog', (d) => void d.accept());
    await page.locator('#delete-all').click();
    await listed(0);
    assert.deepEqual(await (await fetch(`${base}/api/messages`)).json(), []);
  });
});
