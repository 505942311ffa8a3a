// A fault proxy in front of the SES emulator: it answers like SES under throttling (429
// TooManyRequestsException) or for a refused message (400 MessageRejected), and forwards the rest.
// It also answers SES v2's PutSuppressedDestination (PUT /v2/email/suppression/addresses), which the
// emulator lacks, and keeps what it was sent: the real SDK's request, signed, as AWS would get it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class SesFaultProxy {
  throttleNext = 0;
  throttled = 0;
  rejectRecipient = '';
  down = false;
  /** The account-level suppressions PutSuppressedDestination asked for, in order. */
  readonly suppressed: { address: string; reason: string; signed: boolean }[] = [];
  private server?: Server;

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      if (this.down) return req.socket.destroy();
      let body = '';
      for await (const chunk of req) body += chunk;
      const isSend = req.method === 'POST' && (req.url ?? '').includes('/outbound-emails');
      const fail = (status: number, type: string, message: string) =>
        res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type }).end(JSON.stringify({ message }));
      if (isSend && this.throttleNext > 0) {
        this.throttleNext--;
        this.throttled++;
        return fail(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
      }
      if (isSend && this.rejectRecipient && body.includes(this.rejectRecipient)) return fail(400, 'MessageRejected', 'Email address is on the suppression list');
      if (req.method === 'PUT' && (req.url ?? '').startsWith('/v2/email/suppression/addresses')) {
        const { EmailAddress, Reason } = JSON.parse(body) as { EmailAddress?: string; Reason?: string };
        if (!EmailAddress || (Reason !== 'BOUNCE' && Reason !== 'COMPLAINT')) return fail(400, 'BadRequestException', 'EmailAddress and Reason (BOUNCE or COMPLAINT) are required');
        this.suppressed.push({ address: EmailAddress, reason: Reason, signed: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ') });
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length')) as Record<string, string>;
      const upstream = await fetch(`${this.target}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body });
      const passed = [...upstream.headers].filter(([k]) => !['content-encoding', 'content-length', 'transfer-encoding'].includes(k));
      res.writeHead(upstream.status, Object.fromEntries(passed)).end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
