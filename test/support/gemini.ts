import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GeminiCall {
  path: string;
  apiKey?: string;
  prompt: string;
}

/** What the fake answers: a 200 with text, an HTTP error, raw garbage, or a hang past the timeout. */
export type GeminiReply = { text: string } | { status: number } | { garbage: string } | { hangMs: number };

/**
 * A local HTTP server speaking Gemini's generateContent REST shape, reached by the real
 * @google/genai SDK through httpOptions.baseUrl. Replies are served in order, the last one repeats.
 */
export class FakeGemini {
  readonly calls: GeminiCall[] = [];
  replies: GeminiReply[] = [{ text: '<p>Hello</p>' }];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    let body = '';
    for await (const chunk of req) body += chunk;
    let prompt = '';
    try {
      prompt = JSON.parse(body).contents?.[0]?.parts?.[0]?.text ?? '';
    } catch {}
    this.calls.push({ path: req.url ?? '', apiKey: req.headers['x-goog-api-key'] as string | undefined, prompt });
    const reply = this.replies[Math.min(this.calls.length - 1, this.replies.length - 1)]!;
    if ('hangMs' in reply) {
      await new Promise((r) => setTimeout(r, reply.hangMs));
      if (!res.destroyed) res.end();
      return;
    }
    if ('garbage' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(reply.garbage);
      return;
    }
    if ('status' in reply) {
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: reply.status, message: `fake error ${reply.status}`, status: 'FAKE' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: reply.text }] }, finishReason: 'STOP' }], usageMetadata: {} }),
    );
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
