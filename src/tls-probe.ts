import { connect } from 'node:tls';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow/index.js';

/**
 * Why a gRPC connection failed, when TLS is the cause. grpc-js reports only "Failed to connect
 * before the deadline"; one TLS handshake with the same settings names the real reason (unknown CA,
 * certificate required or refused, a name mismatch, a server that does not speak TLS, or one that
 * does while the client does not). Undefined: TLS is not the problem, or the host is unreachable.
 */
export async function tlsFailure(address: string, tls: TLSConfig | boolean | null | undefined): Promise<string | undefined> {
  const [host = 'localhost', port = '7233'] = splitAddress(address);
  if (!tls) {
    const { secured } = await handshake(host, Number(port), { rejectUnauthorized: false });
    return secured ? 'the server speaks TLS and this client does not: set TEMPORAL_TLS=true (or TEMPORAL_TLS_* for a private CA or a client certificate)' : undefined;
  }
  const opts = typeof tls === 'object' ? tls : {};
  const { reason } = await handshake(host, Number(port), {
    ca: buffer(opts.serverRootCACertificate),
    cert: buffer(opts.clientCertPair?.crt),
    key: buffer(opts.clientCertPair?.key),
    servername: opts.serverNameOverride ?? (/^[\d.]+$|:/.test(host) ? undefined : host),
  });
  return reason && !/ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND/.test(reason) ? explain(reason) : undefined;
}

const buffer = (b: Uint8Array | undefined) => (b ? Buffer.from(b) : undefined);

/** OpenSSL's words, turned into what to change. */
function explain(reason: string): string {
  const alert = /alert ([a-z ]+)/i.exec(reason)?.[1]?.trim();
  if (/certificate required/i.test(reason)) return `the server requires a client certificate (${alert}): set TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH`;
  if (/unknown ca|bad certificate|certificate unknown|unsupported certificate|certificate expired|access denied/i.test(reason))
    return `the server refused this client certificate (${alert}): it must be signed by a CA the server trusts`;
  if (/self.signed|unable to (verify|get local issuer)|UNABLE_TO_GET_ISSUER/i.test(reason)) return `the server's certificate is not from a trusted CA (${reason}): set TEMPORAL_TLS_CA_PATH`;
  if (/ALTNAME|does not match/i.test(reason)) return `the server's certificate is for another name (${reason}): set TEMPORAL_TLS_SERVER_NAME`;
  if (/wrong version number|packet length|unexpected eof/i.test(reason)) return `the server does not answer TLS (${reason}): is TLS on at this address?`;
  return reason;
}

function splitAddress(address: string): string[] {
  const i = address.lastIndexOf(':');
  return i > 0 ? [address.slice(0, i).replace(/^\[|\]$/g, ''), address.slice(i + 1)] : [address];
}

/**
 * `secured`: the handshake completed; `reason`: why the connection failed, then or in the next half
 * second (under TLS 1.3 a server refuses a client certificate after the handshake).
 */
function handshake(host: string, port: number, opts: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string; rejectUnauthorized?: boolean }): Promise<{ secured: boolean; reason?: string }> {
  return new Promise((resolve) => {
    let secured = false;
    const socket = connect({ host, port, ALPNProtocols: ['h2'], timeout: 5_000, ...opts });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve({ secured, reason });
    };
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message));
    socket.once('timeout', () => done('no TLS handshake within 5 s'));
    socket.once('secureConnect', () => {
      secured = true;
      setTimeout(() => done(undefined), 500);
    });
  });
}
