// Fault scenarios that need a configuration of their own: PostgreSQL down during a sweep, SES
// throttling and refusals, Gemini misbehaving, the primary provider down with a fallback.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { Client, Connection } from '@temporalio/client';
import { ensureMotoServer } from '../../scripts/tools.mjs';
import { createSql } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import type { Cluster } from '../../src/dev/cluster.js';
import { freePort, freeStablePorts, waitForPort } from '../../src/dev/ports.js';
import { startEmbeddedPostgres } from '../../src/dev/postgres.js';
import { stopChild } from '../../src/dev/temporal-server.js';
import type { MailCatcher } from '../../src/mailcatcher/catcher.js';
import type { SweepSummary } from '../../src/shared.js';
import { FakeGemini } from '../support/gemini.js';
import { sendMany } from './client.js';
import { SesFaultProxy } from './ses-proxy.js';
import { startFaultStack } from './stack.js';

export interface Env {
  temporalBin: string;
  bundle: string;
  work: string;
  sink: MailCatcher;
  /** Set with `--server cluster`: every stack runs on it instead of a dev server of its own. */
  cluster?: Cluster;
}
export interface Row {
  scenario: string;
  accepted: number;
  delivered: number;
  lost: number;
  duplicates: number;
  notes: string;
  /** The scenario's own expectation held (besides nothing lost). */
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const smtp = (sink: MailCatcher) => ({ SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(sink.port) });

function tally(messageIds: string[], wanted: Set<string>) {
  const seen = new Map<string, number>();
  for (const id of messageIds) if (wanted.has(id)) seen.set(id, (seen.get(id) ?? 0) + 1);
  const copies = [...seen.values()].reduce((a, b) => a + b, 0);
  return { delivered: seen.size, lost: wanted.size - seen.size, duplicates: copies - seen.size };
}

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond()) && Date.now() < deadline) await sleep(500);
}

export async function postgresDown(env: Env): Promise<Row> {
  // Below the ephemeral range: while the server is down, a client retrying an ephemeral port can be
  // handed that same port as its own and connect to itself (TCP simultaneous open), then hang.
  const [pgPort] = await freeStablePorts(1);
  const dir = mkdtempSync(path.join(env.work, 'pg-'));
  let db = await startEmbeddedPostgres({ dir, port: pgPort! });
  const sql = createSql(db.url, { max: 1 });
  await migrate(sql);
  const n = 200;
  const [u] = await sql`INSERT INTO users (email, name) VALUES ('pg@faults.example', 'PG') RETURNING id`;
  const [p] = await sql`INSERT INTO projects (name, owner_id) VALUES ('PG', ${u!.id}) RETURNING id`;
  await sql`INSERT INTO tasks (project_id, title, due_at) SELECT ${p!.id}, 'pg-' || g, now() + interval '1 hour' + g * interval '1 second' FROM generate_series(1, ${n}) g`;
  await sql.end();
  const stack = await startFaultStack({ ...env, dbFile: path.join(env.work, 'pg-temporal.db'), vars: { ...smtp(env.sink), DATABASE_URL: db.url, SWEEP_PAGE_SIZE: '20', TEMPORAL_TASK_QUEUE: 'faults-pg' } });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  try {
    const handle = await new Client({ connection }).workflow.start('DueTaskSweepWorkflow', { taskQueue: 'faults-pg', workflowId: `pg-sweep-${Date.now()}`, args: [{}] });
    await waitFor(() => env.sink.messages.filter((m) => m.to === 'pg@faults.example').length >= 30);
    await db.stop();
    await sleep(30_000);
    db = await startEmbeddedPostgres({ dir, port: pgPort! });
    const summary = (await handle.result()) as SweepSummary;
    const check = createSql(db.url, { max: 1 });
    const [{ marked }] = (await check`SELECT count(*)::int AS marked FROM tasks WHERE notification_sent`) as unknown as [{ marked: number }];
    await check.end();
    const ids = env.sink.messages.filter((m) => m.to === 'pg@faults.example').map((m) => m.messageId!);
    const distinct = new Set(ids).size;
    return {
      scenario: 'PostgreSQL down for 30 s during a 200-task sweep',
      accepted: n,
      delivered: distinct,
      lost: n - distinct,
      duplicates: ids.length - distinct,
      notes: `sweep found ${summary.found}, sent ${summary.sent}, failed ${summary.failed}; ${marked}/${n} tasks marked after the database came back`,
      ok: distinct === n && ids.length === distinct && marked === n,
    };
  } finally {
    await connection.close();
    await stack.stop();
    await db.stop();
  }
}

async function startMoto(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(ensureMotoServer(), ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitForPort(port, 60_000);
  return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

async function sesMessageIds(moto: string): Promise<string[]> {
  const data = (await (await fetch(`${moto}/moto-api/data.json`)).json()) as { ses?: { RawMessage?: { raw_data: string }[] } };
  return (data.ses?.RawMessage ?? []).map((m) => /Message-ID: (<[^>]+>)/i.exec(m.raw_data)?.[1] ?? '');
}

const SES = { AWS_ACCESS_KEY_ID: 'AKIAFAULTS', AWS_SECRET_ACCESS_KEY: 'faults-secret', AWS_SES_REGION_NAME: 'us-east-1', DEFAULT_FROM_EMAIL: 'faults@ses.example' };

async function verify(endpoint: string) {
  const ses = new SESv2Client({ region: 'us-east-1', endpoint, credentials: { accessKeyId: SES.AWS_ACCESS_KEY_ID, secretAccessKey: SES.AWS_SECRET_ACCESS_KEY } });
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'faults@ses.example' }));
  ses.destroy();
}

export async function sesThrottling(env: Env): Promise<Row[]> {
  const moto = await startMoto();
  const proxy = new SesFaultProxy(moto.url);
  const endpoint = await proxy.start();
  await verify(moto.url);
  const stack = await startFaultStack({ ...env, dbFile: path.join(env.work, 'ses-temporal.db'), vars: { ...SES, MAIL_PROVIDER: 'ses', AWS_SES_REGION_ENDPOINT: endpoint, TEMPORAL_TASK_QUEUE: 'faults-ses' } });
  try {
    proxy.throttleNext = 15;
    const sent = await sendMany(stack.api, 20, 20, `ses-${Date.now()}`);
    const wanted = new Set(sent.accepted.map((id) => `<${id}@ses.example>`));
    await waitFor(async () => tally(await sesMessageIds(moto.url), wanted).delivered === wanted.size);
    const counted = tally(await sesMessageIds(moto.url), wanted);
    const throttled = { scenario: 'SES throttling (429 TooManyRequestsException ×15)', accepted: wanted.size, ...counted, notes: `${proxy.throttled} throttled answers, retried with backoff`, ok: counted.lost === 0 && proxy.throttled === 15 };
    proxy.rejectRecipient = 'refused@faults.example';
    const res = await fetch(`${stack.api}/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ destinataire: 'refused@faults.example', sujet: 'x', message: 'x' }) });
    const { workflow_id } = (await res.json()) as { workflow_id: string };
    let status: { state?: string; attempts?: number; error?: { message: string } } = {};
    await waitFor(async () => (status = (await (await fetch(`${stack.api}/message/${workflow_id}`)).json()) as typeof status).state === 'failed', 60_000);
    const rejected = {
      scenario: 'SES MessageRejected',
      accepted: 1,
      delivered: 0,
      lost: 0,
      duplicates: 0,
      notes: `state ${status.state} after ${status.attempts} attempt(s): ${status.error?.message ?? ''}`.slice(0, 120),
      ok: status.state === 'failed' && status.attempts === 1,
    };
    return [throttled, rejected];
  } finally {
    await stack.stop();
    await proxy.stop();
    await moto.stop();
  }
}

export async function primaryDown(env: Env): Promise<Row> {
  const moto = await startMoto();
  const proxy = new SesFaultProxy(moto.url);
  const endpoint = await proxy.start();
  proxy.down = true;
  const stack = await startFaultStack({
    ...env,
    dbFile: path.join(env.work, 'fallback-temporal.db'),
    vars: { ...SES, ...smtp(env.sink), MAIL_PROVIDER: 'ses', MAIL_FALLBACK_PROVIDER: 'smtp', SEND_PRIMARY_MAX_ATTEMPTS: '2', AWS_SES_REGION_ENDPOINT: endpoint, TEMPORAL_TASK_QUEUE: 'faults-fallback' },
  });
  try {
    const sent = await sendMany(stack.api, 20, 20, `fallback-${Date.now()}`);
    const wanted = new Set(sent.accepted.map((id) => `<${id}@ses.example>`));
    await waitFor(() => tally(env.sink.messages.map((m) => m.messageId ?? ''), wanted).delivered === wanted.size);
    const status = (await (await fetch(`${stack.api}/message/${sent.accepted[0]}`)).json()) as { provider?: string; primary_failure?: { provider: string } };
    const counted = tally(env.sink.messages.map((m) => m.messageId ?? ''), wanted);
    return {
      scenario: 'primary (SES) down, SMTP fallback',
      accepted: wanted.size,
      ...counted,
      notes: `status: provider ${status.provider}, primary_failure ${status.primary_failure?.provider}`,
      ok: counted.lost === 0 && status.provider === 'smtp' && status.primary_failure?.provider === 'ses',
    };
  } finally {
    await stack.stop();
    await proxy.stop();
    await moto.stop();
  }
}

export async function geminiFaults(env: Env): Promise<Row> {
  const gemini = new FakeGemini();
  const logDir = mkdtempSync(path.join(env.work, 'gemini-'));
  const stack = await startFaultStack({
    ...env,
    dbFile: path.join(env.work, 'gemini-temporal.db'),
    vars: { ...smtp(env.sink), GEMINI_API_KEY: 'faults-key', GEMINI_BASE_URL: await gemini.start(), GEMINI_TIMEOUT: '2s', GEMINI_MAX_ATTEMPTS: '3', GEMINI_LOG_DIR: logDir, TEMPORAL_TASK_QUEUE: 'faults-gemini' },
  });
  try {
    // Every reply kind in turn, repeated: 429, 500, 503, too slow, malformed JSON, a good answer.
    const cycle = [{ status: 429 }, { status: 500 }, { status: 503 }, { hangMs: 4000 }, { garbage: '{"candidates": [' }, { text: '<p>ok</p>' }];
    gemini.replies = Array.from({ length: 200 }, (_, i) => cycle[i % cycle.length]!);
    const body = (i: number) => ({ destinataire: `g${i}@faults.example`, sujet: `g${i}`, message: 'x', enhance_content: true });
    const accepted: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${stack.api}/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(i)) });
      accepted.push(((await res.json()) as { workflow_id: string }).workflow_id);
    }
    const wanted = new Set(accepted.map((id) => `<${id}@polplana.work>`));
    await waitFor(() => tally(env.sink.messages.map((m) => m.messageId ?? ''), wanted).delivered === wanted.size);
    const used: Record<string, number> = {};
    for (const id of accepted) {
      const s = (await (await fetch(`${stack.api}/message/${id}`)).json()) as { enhancement: { used: string } };
      used[s.enhancement.used] = (used[s.enhancement.used] ?? 0) + 1;
    }
    const counted = tally(env.sink.messages.map((m) => m.messageId ?? ''), wanted);
    const logs = readdirSync(logDir).length;
    return {
      scenario: 'Gemini answering 429/500/503/too slow/malformed',
      accepted: wanted.size,
      ...counted,
      notes: `enhanced ${used.gemini ?? 0}, plain fallback ${used.fallback ?? 0}; ${gemini.calls.length} calls, ${logs} exchange log files`,
      ok: counted.lost === 0 && (used.fallback ?? 0) > 0 && logs === gemini.calls.length,
    };
  } finally {
    await stack.stop();
    await gemini.stop();
  }
}
