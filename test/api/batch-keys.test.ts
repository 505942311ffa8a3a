import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { batchResponseSchema } from '../../src/api/schemas.js';
import { messageWorkflowId } from '../../src/shared.js';
import { useApp } from '../support/api.js';
import { testConfig } from '../support/env.js';

describe('POST /messages: one idempotency_key twice in a batch is resolved in index order', () => {
  const api = useApp(testConfig());
  const post = (messages: unknown[]) =>
    api.app.request('/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages }) });
  const msg = (key: string, sujet: string) => ({ destinataire: 'k@example.com', sujet, message: 'x', idempotency_key: key });

  test('the first is queued, a same-payload copy is its duplicate, a different payload is a conflict naming both indexes', async () => {
    // Several rounds: the answer must not depend on which start reaches Temporal first.
    for (let round = 0; round < 5; round++) {
      const k = `dup-${randomUUID()}`;
      const other = `other-${randomUUID()}`;
      const res = await post([msg(other, 'B'), msg(k, 'A'), msg(k, 'different'), msg(k, 'A'), msg(other, 'B')]);
      assert.equal(res.status, 202);
      const body = batchResponseSchema.parse(await res.json());
      assert.deepEqual(
        body.results.map((r) => [r.index, r.status, r.status === 'queued' ? r.duplicate : r.error.code]),
        [
          [0, 'queued', false],
          [1, 'queued', false],
          [2, 'rejected', 'idempotency_conflict'],
          [3, 'queued', true],
          [4, 'queued', true],
        ],
      );
      const [first, conflict, copy] = [body.results[1]!, body.results[2]!, body.results[3]!];
      assert.ok(first.status === 'queued' && copy.status === 'queued');
      assert.equal(copy.workflow_id, first.workflow_id);
      assert.equal(copy.workflow_id, `message-${k}`);
      assert.ok(conflict.status === 'rejected');
      assert.match(conflict.error.message, /messages\.2\b.*messages\.1\b/);
      assert.deepEqual(conflict.error.details, [{ field: 'messages.2.idempotency_key', reason: 'is already used by messages.1 in this batch, for a different payload' }]);
      assert.equal(body.queued, 4);
      assert.equal(body.rejected, 1);
    }
  });

  test('a copy of a rejected first is rejected for the same reason, under its own index', async () => {
    const k = `taken-${randomUUID()}`;
    assert.equal((await post([msg(k, 'A')])).status, 202);
    const res = await post([msg(k, 'B'), msg(k, 'B')]);
    assert.equal(res.status, 409);
    const body = batchResponseSchema.parse(await res.json());
    assert.deepEqual(body.results.map((r) => [r.index, r.status === 'rejected' ? r.error.code : r.status]), [
      [0, 'idempotency_conflict'],
      [1, 'idempotency_conflict'],
    ]);
    assert.doesNotMatch(JSON.stringify(body.results[1]), /messages\.0/);
  });

  test('a conflict names the field with its reason, as every other error does', async () => {
    const k = `shape-${randomUUID()}`;
    assert.equal((await post([msg(k, 'A')])).status, 202);
    const res = await post([msg(k, 'B')]);
    const body = batchResponseSchema.parse(await res.json());
    const r = body.results[0]!;
    assert.ok(r.status === 'rejected');
    assert.deepEqual(r.error.details, [{ field: 'messages.0.idempotency_key', reason: 'was already used for a different request' }]);
  });

  test('a bad idempotency_key is reported with the message\'s other problems, in one answer', async () => {
    const body = batchResponseSchema.parse(await (await post([{ destinataire: 'not-an-address', message: 'x', idempotency_key: 'has spaces' }])).json());
    const r = body.results[0]!;
    assert.ok(r.status === 'rejected');
    const fields = (r.error.details as { field: string }[]).map((d) => d.field);
    assert.equal(fields[0], 'messages.0.idempotency_key');
    assert.ok(fields.includes('messages.0.destinataire'), fields.join(', '));
    assert.ok(fields.includes('messages.0.sujet'), fields.join(', '));
  });

  test('an Idempotency-Key header is refused (400 naming it): the route reads the key of each message, not the header', async () => {
    const res = await api.app.request('/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': `hdr-${randomUUID()}` },
      body: JSON.stringify({ messages: [msg(`m-${randomUUID()}`, 'A')] }),
    });
    assert.equal(res.status, 400);
    const e = ((await res.json()) as { error: { details: { field: string; reason: string }[] } }).error;
    assert.equal(e.details[0]!.field, 'Idempotency-Key');
    assert.match(e.details[0]!.reason, /idempotency_key/);
  });

  test('a key given twice anywhere in the body is a 400 naming it by its path, and queues none of the batch', async () => {
    const k = `twice-${randomUUID()}`;
    const one = JSON.stringify({ messages: [msg(`${k}-0`, 'A'), msg(`${k}-1`, 'B')] });
    const bodies: [string, string][] = [
      [one.replace('"sujet":"B"', '"sujet":"B","sujet":"C"'), 'messages.1.sujet'],
      [`{"messages":[],${one.slice(1)}`, 'messages'],
    ];
    for (const [body, field] of bodies) {
      const res = await api.app.request('/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 400, body);
      const e = ((await res.json()) as { error: { details: { field: string; reason: string }[] } }).error;
      assert.deepEqual(e.details.map((d) => d.field), [field]);
    }
    for (const i of [0, 1]) assert.equal((await api.app.request(`/message/${messageWorkflowId(`${k}-${i}`)}`)).status, 404, `message ${i} was not queued`);
    // The same batch with each key once is queued, and found under the same ids.
    assert.equal((await api.app.request('/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: one })).status, 202);
    for (const i of [0, 1]) assert.equal((await api.app.request(`/message/${messageWorkflowId(`${k}-${i}`)}`)).status, 200, `message ${i} is queued`);
  });

  test('an earlier key already used outside the batch still answers by index: duplicate or conflict', async () => {
    const k = `prior-${randomUUID()}`;
    assert.equal((await post([msg(k, 'A')])).status, 202);
    const body = batchResponseSchema.parse(await (await post([msg(k, 'A'), msg(k, 'A'), msg(k, 'changed')])).json());
    assert.deepEqual(
      body.results.map((r) => (r.status === 'queued' ? r.duplicate : r.error.code)),
      [true, true, 'idempotency_conflict'],
    );
  });
});
