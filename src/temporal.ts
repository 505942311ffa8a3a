import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config } from './env.js';
import { tlsFailure } from './tls-probe.js';

/** Address, namespace, TLS and API key: the same for a dev server, a cluster and Temporal Cloud. */
export function connectionOptions(t: Config['temporal']): ConnectionOptions & { address: string; apiKey?: string } {
  const tls =
    typeof t.tls === 'object'
      ? {
          ...(t.tls.certPath && t.tls.keyPath ? { clientCertPair: { crt: readFileSync(t.tls.certPath), key: readFileSync(t.tls.keyPath) } } : {}),
          ...(t.tls.caPath ? { serverRootCACertificate: readFileSync(t.tls.caPath) } : {}),
          ...(t.tls.serverName ? { serverNameOverride: t.tls.serverName } : {}),
        }
      : t.tls;
  return { address: t.address, tls, apiKey: t.apiKey };
}

/** How the connection is secured, for a message (never a secret: file paths and names only). */
function describeTls(t: Config['temporal']): string {
  if (typeof t.tls !== 'object') return t.apiKey ? 'TLS with an API key' : t.tls ? 'TLS' : 'no TLS';
  const parts = [t.tls.certPath ? `client certificate ${t.tls.certPath}` : 'no client certificate'];
  if (t.tls.caPath) parts.push(`CA ${t.tls.caPath}`);
  if (t.tls.serverName) parts.push(`server name ${t.tls.serverName}`);
  return `TLS (${parts.join(', ')})`;
}

/**
 * Connect now, or fail with one line naming the address, namespace and TLS settings: a refused
 * certificate or a plain-text client on a TLS port then reads as such at start-up, not as a hang.
 */
export async function connectOrExplain(t: Config['temporal']): Promise<Connection> {
  const options = connectionOptions(t);
  try {
    return await Connection.connect(options);
  } catch (err) {
    const tls = await tlsFailure(t.address, options.tls).catch(() => undefined);
    const reason = tls ? `TLS failed: ${tls}` : (err as Error).message;
    throw new Error(`cannot connect to Temporal at ${t.address} (namespace ${t.namespace}, ${describeTls(t)}): ${reason}`, { cause: err });
  }
}

/**
 * Lazy: the API starts and answers 503 while Temporal is down, then recovers by itself.
 * No retry interceptor: a bounded call that fails fast beats a request hanging for 20 s.
 */
export function createLazyClient(config: Config): { client: Client; connection: Connection } {
  const connection = Connection.lazy({ ...connectionOptions(config.temporal), interceptors: [] });
  return { client: new Client({ connection, namespace: config.temporal.namespace }), connection };
}
