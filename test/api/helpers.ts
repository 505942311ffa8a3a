import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';

export interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; reason: string }[]; requestId: string };
}

/**
 * The one error shape, { error: { code, message, details?, requestId } }, with the requestId of the
 * x-request-id header; every named field appears both in details and in the message.
 */
export async function assertApiError(res: Response, status: number, code: string, fields: string[] = []): Promise<ErrorBody['error']> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${text.slice(0, 500)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text) as ErrorBody;
  assert.deepEqual(Object.keys(body), ['error']);
  const e = body.error;
  for (const k of Object.keys(e)) assert.ok(['code', 'message', 'details', 'requestId'].includes(k), `unexpected key ${k} in ${text}`);
  assert.equal(e.code, code);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0);
  assert.equal(typeof e.requestId, 'string');
  assert.ok(e.requestId.length > 0);
  assert.equal(e.requestId, res.headers.get('x-request-id'));
  for (const field of fields) {
    assert.ok(e.details?.some((d) => d.field === field && d.reason.length > 0), `details name ${field}: ${text.slice(0, 500)}`);
    assert.ok(e.message.includes(field), `message names ${field}: ${e.message.slice(0, 500)}`);
  }
  return e;
}

/** The set of fields named in details, for "exactly these fields are reported". */
export function detailFields(e: ErrorBody['error']): string[] {
  return [...new Set((e.details ?? []).map((d) => d.field))].sort();
}

export interface Queued {
  status: string;
  message: string;
  task_id: string;
  workflow_id: string;
  duplicate: boolean;
  send_at: string | null;
  status_url: string;
}

export async function assertQueued(res: Response): Promise<Queued> {
  const text = await res.text();
  assert.equal(res.status, 202, text.slice(0, 500));
  const body = JSON.parse(text) as Queued;
  assert.equal(body.status, 'queued');
  assert.equal(body.task_id, body.workflow_id);
  assert.match(body.workflow_id, /^message-/);
  return body;
}

/** Workflow ids started on a task queue, as Temporal's visibility lists them (eventually consistent). */
export async function workflowIdsOn(client: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) ids.push(wf.workflowId);
  return ids.sort();
}

export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
