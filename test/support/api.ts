import { after, before } from 'node:test';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { createApp, type AppDeps } from '../../src/api/app.js';
import { createEmailGateway } from '../../src/api/emails.js';
import type { Config } from '../../src/env.js';
import { createUtf8Check } from '../../src/mail/utf8-support.js';

/** The real Hono app over a real Temporal client, called in-process with app.request(). */
export function buildApp(config: Config, client: Client, extra: Partial<AppDeps> = {}) {
  return createApp({
    emails: createEmailGateway(client, config.temporal.taskQueue, config.http.temporalTimeoutMs),
    checkTemporal: async () => {
      await client.withDeadline(Date.now() + 2000, () => client.connection.workflowService.getSystemInfo({}));
    },
    logger: pino({ level: 'silent' }),
    maxBodyBytes: config.http.maxBodyBytes,
    security: config.security,
    utf8LocalParts: createUtf8Check(config),
    ...extra,
  });
}

export function postMessage(app: ReturnType<typeof buildApp>, body: unknown, headers: Record<string, string> = {}) {
  return app.request('/message', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function waitForState(app: ReturnType<typeof buildApp>, id: string, states: string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.request(`/message/${id}`);
    const body = (await res.json()) as { state: string } & Record<string, unknown>;
    if (states.includes(body.state)) return body;
    if (Date.now() > deadline) throw new Error(`email ${id} still ${body.state} after ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The real app over a real Temporal client (no worker), set up before and closed after the
 * enclosing describe block. Read `app` and `client` inside tests, once `before` has run.
 */
export function useApp(config: Config): { readonly app: ReturnType<typeof buildApp>; readonly client: Client } {
  let t: { client: Client; close(): Promise<void> } | undefined;
  let app: ReturnType<typeof buildApp> | undefined;
  before(async () => {
    const { testClient } = await import('./worker.js');
    t = await testClient();
    app = buildApp(config, t.client);
  });
  after(async () => t?.close());
  return {
    get app() {
      if (!app) throw new Error('useApp: read app inside a test');
      return app;
    },
    get client() {
      if (!t) throw new Error('useApp: read client inside a test');
      return t.client;
    },
  };
}
