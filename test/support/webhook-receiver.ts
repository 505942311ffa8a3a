// A webhook endpoint that verifies Standard Webhooks signatures and refuses the first attempts of
// every webhook-id (503), as a flaky receiver would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  attempts: number;
  body?: { type: string; timestamp: string; data: Record<string, unknown> };
}

export async function startWebhookReceiver(secret: string, refuseFirst: number) {
  const byId = new Map<string, Received>();
  const badSignatures: string[] = [];
  let acceptedPosts = 0;
  const verifier = new Webhook(secret);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Received['body'];
      try {
        body = verifier.verify(raw, req.headers as Record<string, string>) as Received['body'];
      } catch {
        badSignatures.push(String(req.headers['webhook-id']));
        return res.writeHead(401).end();
      }
      const id = String(req.headers['webhook-id']);
      const seen = byId.get(id) ?? { id, attempts: 0 };
      seen.attempts++;
      byId.set(id, seen);
      if (seen.attempts <= refuseFirst) return res.writeHead(503).end();
      acceptedPosts++;
      seen.body = body;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    byId,
    badSignatures,
    accepted: () => [...byId.values()].filter((r) => r.body),
    acceptedPosts: () => acceptedPosts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
