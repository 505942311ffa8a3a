import { readFileSync } from 'node:fs';
import { Agent, type AgentOptions } from 'node:https';
import { connect, type ConnectionOptions } from 'node:tls';

export interface SnsCertTestSettings {
  /** PEM file of a certificate authority to trust instead of the system's (test-only). */
  caFile?: string;
  /** host:port that connections to SNS hosts go to instead (test-only); TLS is still checked against the SNS host name. */
  connectTo?: string;
}

/**
 * The agent certificates and subscription URLs are fetched with. In production: none (Node's own,
 * with the system's CAs). Tests pass a CA they created and the address of their local HTTPS server;
 * the URL still has to be https://sns.<region>.amazonaws.com/..., the server's certificate must be
 * valid for that name under that CA, and every SNS signature is still checked.
 */
export function snsAgent(settings: SnsCertTestSettings): Agent | undefined {
  if (!settings.caFile && !settings.connectTo) return undefined;
  const options: AgentOptions = { keepAlive: false, ...(settings.caFile ? { ca: readFileSync(settings.caFile, 'utf8') } : {}) };
  if (!settings.connectTo) return new Agent(options);
  const m = /^([^:]+):(\d+)$/.exec(settings.connectTo);
  if (!m) throw new Error('SNS_CERT_CONNECT_TO must be host:port');
  const [, host, port] = m;
  const agent = new Agent(options);
  // Same TLS checks (servername = the SNS host from the URL, rejectUnauthorized stays true); only the socket's destination moves.
  (agent as unknown as { createConnection: (o: ConnectionOptions, cb?: () => void) => unknown }).createConnection = (o, cb) =>
    connect({ ...o, host, port: Number(port), servername: o.servername || (o.host as string), rejectUnauthorized: true }, cb);
  return agent;
}
