import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../../src/dev/cluster.js';
import { freePort, waitForPort } from '../../src/dev/ports.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { createCa } from '../support/certs.js';
import { startTestCluster } from '../support/cluster.js';
import { infra } from '../support/env.js';
import { exited, spawnService } from '../support/processes.js';

// A cluster whose frontend (and the traffic between its own roles) is on mutual TLS with a private
// CA, as most self-hosted clusters and Temporal Cloud are: the service reaches it through its
// TEMPORAL_TLS_* settings only, and a client certificate the cluster does not trust stops the
// worker at start-up with a message that says so.
describe('a cluster on mutual TLS (private CA)', () => {
  const sink = new MailCatcher();
  const dir = path.join(infra.workDir, 'tls');
  const ca = createCa(path.join(dir, 'pki'), 'mailer-test-ca');
  const server = ca.issue('server', { commonName: 'localhost', sans: ['DNS:localhost', 'IP:127.0.0.1'], usage: ['serverAuth', 'clientAuth'] });
  const client = ca.issue('client', { commonName: 'mailer-worker', usage: ['clientAuth'] });
  const stranger = createCa(path.join(dir, 'other-pki'), 'someone-else-ca').issue('client', { commonName: 'mailer-worker', usage: ['clientAuth'] });
  let cluster: Cluster;
  const stops: (() => Promise<void>)[] = [];
  const tlsVars = (cert: { cert: string; key: string }) => ({
    TEMPORAL_TLS_CERT_PATH: cert.cert,
    TEMPORAL_TLS_KEY_PATH: cert.key,
    TEMPORAL_TLS_CA_PATH: ca.cert,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
  });

  before(async () => {
    await sink.start();
    cluster = await startTestCluster({
      dir: path.join(dir, 'cluster'),
      serverEnv: {
        TEMPORAL_TLS_FRONTEND_CERT: server.cert,
        TEMPORAL_TLS_FRONTEND_KEY: server.key,
        TEMPORAL_TLS_CLIENT1_CA_CERT: ca.cert,
        TEMPORAL_TLS_SERVER_CERT: server.cert,
        TEMPORAL_TLS_SERVER_KEY: server.key,
        TEMPORAL_TLS_SERVER_CA_CERT: ca.cert,
        TEMPORAL_TLS_FRONTEND_SERVER_NAME: 'localhost',
        TEMPORAL_TLS_INTERNODE_SERVER_NAME: 'localhost',
      },
      connection: {
        tls: {
          serverRootCACertificate: readFileSync(ca.cert),
          serverNameOverride: 'localhost',
          clientCertPair: { crt: readFileSync(client.cert), key: readFileSync(client.key) },
        },
      },
    });
  });
  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await cluster?.stop();
    await sink.stop();
  });

  function start(entry: 'server' | 'worker', vars: Record<string, string>) {
    const service = spawnService(entry, { TEMPORAL_ADDRESS: cluster.address, LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0', ...vars });
    stops.push(async () => {
      service.child.kill('SIGTERM');
      await exited(service.child);
    });
    return service;
  }

  test('the API and the worker connect with the CA, server name and client certificate from TEMPORAL_TLS_*; an email goes through', async () => {
    const port = await freePort();
    const vars = { ...tlsVars(client), TEMPORAL_TASK_QUEUE: 'tls', SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(sink.port), PORT: String(port) };
    const worker = start('worker', vars);
    start('server', vars);
    await waitForPort(port, 60_000);
    const api = `http://127.0.0.1:${port}`;
    const ready = await fetch(`${api}/health/ready`);
    assert.equal(ready.status, 200, await ready.text());
    const res = await fetch(`${api}/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ destinataire: 'tls@example.com', sujet: 'Over mTLS', message: 'x' }) });
    assert.equal(res.status, 202);
    const { workflow_id } = (await res.json()) as { workflow_id: string };
    const [mail] = await sink.waitFor((m) => m.some((x) => x.messageId === `<${workflow_id}@polplana.work>`), 60_000);
    assert.equal(mail!.subject, 'Over mTLS');
    assert.match(worker.output(), /worker started/);
  });

  test('a client certificate from another CA, none, or no TLS at all: the worker stops at start-up and says which', async () => {
    for (const [what, vars, reason] of [
      ['another CA', tlsVars(stranger), /the server refused this client certificate \(unknown ca\)/],
      ['no client certificate', { TEMPORAL_TLS_CA_PATH: ca.cert, TEMPORAL_TLS_SERVER_NAME: 'localhost' }, /the server requires a client certificate .*TEMPORAL_TLS_CERT_PATH/],
      ['no TLS', {}, /the server speaks TLS and this client does not/],
    ] as const) {
      const startedAt = Date.now();
      const worker = start('worker', { ...vars, TEMPORAL_TASK_QUEUE: 'tls-refused' });
      await exited(worker.child);
      assert.equal(worker.child.exitCode, 1, what);
      assert.ok(Date.now() - startedAt < 30_000, `${what}: refused at start-up, not after a long hang`);
      assert.match(worker.output(), new RegExp(`cannot connect to Temporal at ${cluster.address.replace(/\./g, '\\.')}`), what);
      assert.match(worker.output(), reason, what);
    }
  });
});
