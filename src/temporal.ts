import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config } from './env.js';

/** Address, namespace, TLS and API key: the same for a dev server, a cluster and Temporal Cloud. */
export function connectionOptions(t: Config['temporal']): ConnectionOptions & { address: string; apiKey?: string } {
  const tls =
    typeof t.tls === 'object'
      ? { clientCertPair: { crt: readFileSync(t.tls.certPath), key: readFileSync(t.tls.keyPath) } }
      : t.tls;
  return { address: t.address, tls, apiKey: t.apiKey };
}

/**
 * Lazy: the API starts and answers 503 while Temporal is down, then recovers by itself.
 * No retry interceptor: a bounded call that fails fast beats a request hanging for 20 s.
 */
export function createLazyClient(config: Config): { client: Client; connection: Connection } {
  const connection = Connection.lazy({ ...connectionOptions(config.temporal), interceptors: [] });
  return { client: new Client({ connection, namespace: config.temporal.namespace }), connection };
}
