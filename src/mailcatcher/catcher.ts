import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { domainToUnicode } from 'node:url';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface CaughtMail {
  id: string;
  receivedAt: string;
  envelopeFrom: string;
  envelopeTo: string[];
  messageId?: string;
  from?: string;
  to?: string;
  subject?: string;
  text?: string;
  html?: string;
  raw: Buffer;
  file?: string;
}

/** A reply for fault injection: e.g. { code: 451, message: 'try later' } or { code: 550, message: 'no such user' }. */
export type Fault = { code: number; message: string } | undefined;

export interface MailCatcherOptions {
  port?: number;
  host?: string;
  /** Keep every message as an .eml file here. */
  dir?: string;
  /** false: do not offer SMTPUTF8, like a relay that cannot take addresses beyond ASCII. */
  smtpUtf8?: boolean;
}

/** An address list as people read it: punycode domains shown in Unicode (a@xn--exmple-cua.fr -> a@exämple.fr). */
export function readableAddresses(text: string | undefined): string | undefined {
  return text?.replace(/@([A-Za-z0-9.-]*xn--[A-Za-z0-9.-]*)/gi, (all, domain: string) => {
    const unicode = domainToUnicode(domain);
    return unicode ? `@${unicode}` : all;
  });
}

/**
 * A real SMTP server on localhost that keeps every message: the dev stack's mail catcher and the
 * tests' SMTP sink. `fault` makes it answer like a misbehaving provider.
 */
export class MailCatcher {
  readonly messages: CaughtMail[] = [];
  /** Users that authenticated (the password is not kept). */
  readonly logins: string[] = [];
  fault: (session: SMTPServerSession) => Fault = () => undefined;
  private server?: SMTPServer;
  private waiters: (() => void)[] = [];
  private seq = 0;

  constructor(private readonly opts: MailCatcherOptions = {}) {}

  async start(): Promise<number> {
    if (this.opts.dir) await mkdir(this.opts.dir, { recursive: true });
    this.server = new SMTPServer({
      authOptional: true,
      // Local only: accept AUTH over plain connections, so clients configured with a login work here.
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      hideSMTPUTF8: this.opts.smtpUtf8 === false,
      logger: false,
      size: 25 * 1024 * 1024,
      onAuth: (auth, _session, cb) => {
        this.logins.push(auth.username ?? '');
        cb(null, { user: auth.username ?? 'catcher' });
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const f = this.fault(session);
          if (f) return cb(Object.assign(new Error(f.message), { responseCode: f.code }));
          this.store(Buffer.concat(chunks), session).then(
            (m) => cb(null, `OK: queued as ${m.id}`),
            (err: Error) => cb(Object.assign(err, { responseCode: 451 })),
          );
        });
      },
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    // A client that dies mid-connection (a killed worker's pooled socket) resets it: expected here,
    // and without a listener the server would throw it as an uncaught error.
    server.on('error', () => {});
    return this.port;
  }

  get port(): number {
    return ((this.server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  }

  private async store(raw: Buffer, session: SMTPServerSession): Promise<CaughtMail> {
    const parsed = await simpleParser(raw);
    const id = `${Date.now()}-${++this.seq}`;
    const mail: CaughtMail = {
      id,
      receivedAt: new Date().toISOString(),
      envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      envelopeTo: session.envelope.rcptTo.map((r) => r.address),
      messageId: parsed.messageId,
      from: parsed.from?.text,
      to: readableAddresses(Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : parsed.to?.text),
      subject: parsed.subject,
      text: parsed.text,
      html: typeof parsed.html === 'string' ? parsed.html : undefined,
      raw,
    };
    if (this.opts.dir) {
      mail.file = path.join(this.opts.dir, `${id}.eml`);
      await writeFile(mail.file, raw);
    }
    this.messages.push(mail);
    for (const w of this.waiters.splice(0)) w();
    return mail;
  }

  /** Resolves when `predicate` holds over the messages received so far. */
  async waitFor(predicate: (messages: CaughtMail[]) => boolean, timeoutMs = 30_000): Promise<CaughtMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`mail catcher: condition not met within ${timeoutMs} ms (${this.messages.length} messages)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
