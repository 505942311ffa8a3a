import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../../scripts/tools.mjs';
import { freePort, waitForPort } from '../../src/dev/ports.js';
import { MailCatcher } from '../../src/mailcatcher/catcher.js';
import { infra } from '../support/env.js';
import { exited } from '../support/processes.js';

/** `node dist/...` exactly as the README's production commands: no tsx, no TypeScript at run time. */
function runBuilt(entry: string, env: Record<string, string>): { child: ChildProcess; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src', entry)], {
    cwd: ROOT,
    env: { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (log += d));
  child.stderr!.on('data', (d: Buffer) => (log += d));
  return { child, log: () => log };
}

describe('npm run build: the built API and worker run with plain node against Temporal', () => {
  const sink = new MailCatcher();
  const processes: ChildProcess[] = [];
  let api = '';
  let workerLog: () => string;
  let metricsPort = 0;

  before(async () => {
    const build = spawn('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    build.stdout.on('data', (d: Buffer) => (out += d));
    build.stderr.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((r) => build.once('exit', r));
    assert.equal(code, 0, out);
    assert.ok(existsSync(path.join(ROOT, 'dist/workflow-bundle.js')), 'the workflow bundle is prebuilt');
    await sink.start();
    const port = await freePort();
    metricsPort = await freePort();
    const env = {
      TEMPORAL_ADDRESS: infra.temporalAddress,
      TEMPORAL_TASK_QUEUE: `built-${port}`,
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      PORT: String(port),
      WORKER_METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    };
    const worker = runBuilt('worker.js', env);
    const server = runBuilt('server.js', env);
    processes.push(worker.child, server.child);
    workerLog = worker.log;
    await waitForPort(port, 60_000);
    await waitForPort(metricsPort, 60_000);
    api = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    for (const p of processes) p.kill('SIGTERM');
    await Promise.all(processes.map(exited));
    await sink.stop();
  });

  test('an email goes through; the worker loaded the prebuilt bundle instead of bundling at start-up', async () => {
    const res = await fetch(`${api}/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destinataire: 'prod@example.com', sujet: 'Built', message: 'from dist' }),
    });
    assert.equal(res.status, 202);
    const { workflow_id } = (await res.json()) as { workflow_id: string };
    const [mail] = await sink.waitFor((m) => m.length === 1, 60_000);
    assert.equal(mail!.subject, 'Built');
    assert.equal(mail!.messageId, `<${workflow_id}@polplana.work>`);
    const status = (await (await fetch(`${api}/message/${workflow_id}`)).json()) as { state: string };
    assert.equal(status.state, 'sent');
    assert.doesNotMatch(workerLog(), /Workflow bundle created|webpack/i);
    assert.match(workerLog(), /"msg":"worker started"/);
  });

  test('/openapi.json, /docs and both /metrics endpoints answer from the built code', async () => {
    assert.equal((await fetch(`${api}/openapi.json`)).status, 200);
    assert.equal((await fetch(`${api}/docs`)).status, 200);
    assert.match(await (await fetch(`${api}/metrics`)).text(), /mailer_emails_accepted_total\{duplicate="false"\} 1/);
    assert.match(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(), /mailer_emails_sent/);
  });
});
