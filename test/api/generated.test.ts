import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { useApp } from '../support/api.js';
import { testConfig } from '../support/env.js';

// Values shaped like the API's schema, and not: right and wrong types, borders, unicode, control characters.
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('', ' ', 'a\r\nb', 'x\0y', '😀'.repeat(300), 'é'.repeat(999)));
const address = fc.oneof(fc.emailAddress(), fc.constantFrom('a@b', 'a@b.c, d@e.f', 'Bob <b@x.com>', 'a\r\n@x.com', '@x.com', 'x@'), text);
const anyJson = fc.oneof(fc.jsonValue(), text, fc.integer(), fc.boolean(), fc.constant(null));
const sendAt = fc.oneof(
  fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2030-02-30T10:00:00Z', '2030-01-01', 'tomorrow', '2030-01-01T25:00:00Z'),
  anyJson,
);
const message = fc.record(
  {
    destinataire: fc.oneof(address, anyJson),
    sujet: fc.oneof(text, anyJson),
    message: fc.oneof(text, anyJson),
    enhance_content: fc.oneof(fc.boolean(), anyJson),
    send_at: sendAt,
    [`extra`]: anyJson,
  },
  { requiredKeys: [] },
);
const printable = fc.string({ minLength: 1, maxLength: 80 }).filter((v) => v.trim() !== '' && !/[\r\n\0]/.test(v));
const validMessage = fc.record(
  { destinataire: fc.emailAddress(), sujet: printable, message: printable, enhance_content: fc.boolean() },
  { requiredKeys: ['destinataire', 'sujet', 'message'] },
);
const request = fc.record({
  path: fc.constantFrom('/message', '/messages'),
  body: fc.oneof(
    { weight: 3, arbitrary: validMessage.map((m) => JSON.stringify(m)) },
    { weight: 6, arbitrary: message.map((m) => JSON.stringify(m)) },
    { weight: 2, arbitrary: fc.array(fc.oneof(validMessage, message), { maxLength: 4 }).map((messages) => JSON.stringify({ messages })) },
    { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string() },
  ),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', ''),
  // Any value an HTTP client can send in a header (no control characters), valid or not.
  key: fc.option(fc.oneof(fc.string().filter((s) => /^[\x20-\x7e]*$/.test(s)), fc.stringMatching(/^[A-Za-z0-9._~:-]{1,40}$/)), { nil: undefined }),
});

describe('generated requests (fast-check, from the API schema): never a 5xx, always the error shape', () => {
  const config = testConfig({ TEMPORAL_REQUEST_TIMEOUT: '5s' });
  const api = useApp(config);
  const seen = new Map<number, number>();

  test('1,000 requests: 0 responses >= 500, every 4xx names a code and a message, the service keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ path, body, contentType, key }) => {
        const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
        if (key !== undefined) headers['idempotency-key'] = key;
        const res = await api.app.request(path, { method: 'POST', headers, body });
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        assert.ok(res.status < 500, `${res.status} for ${body.slice(0, 200)}`);
        const json = (await res.json()) as { error?: { code: string; message: string } };
        if (res.status >= 400 && path === '/message') assert.ok(json.error?.code && json.error.message);
        return true;
      }),
      { numRuns: 1000, seed: 20261122, endOnFailure: true },
    );
    assert.equal([...seen.values()].reduce((a, b) => a + b, 0), 1000);
    assert.ok((seen.get(202) ?? 0) > 0 && (seen.get(400) ?? 0) > 0, JSON.stringify([...seen]));
    assert.equal((await api.app.request('/')).status, 200);
  });
});
