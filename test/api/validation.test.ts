import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp, postMessage } from '../support/api.js';
import { testConfig } from '../support/env.js';
import { testClient } from '../support/worker.js';
import { assertApiError, assertQueued, detailFields, eventually, workflowIdsOn } from './helpers.js';

const VALID = { destinataire: 'to@example.com', sujet: 'Bonjour', message: 'Hello' };
const FIELDS = ['destinataire', 'sujet', 'message'] as const;
const BAD_VALUES: [string, unknown][] = [
  ['missing', undefined],
  ['empty', ''],
  ['blank', '   \t '],
  ['null', null],
  ['a number', 42],
  ['a boolean', true],
  ['an array', ['to@example.com']],
  ['an object', { value: 'x' }],
];

describe('POST /message validation: body, content type and fields (real app, real Temporal client)', () => {
  const config = testConfig();
  let t: Awaited<ReturnType<typeof testClient>>;
  let app: ReturnType<typeof buildApp>;
  const accepted: string[] = [];

  before(async () => {
    t = await testClient();
    app = buildApp(config, t.client);
  });
  after(async () => {
    await t?.close();
  });

  test('a body that is not JSON answers 400 naming body', async () => {
    for (const raw of ['{"destinataire": "to@example.com",', 'destinataire=to@example.com', '', "{'sujet': 'x'}"]) {
      const e = await assertApiError(await postMessage(app, raw), 400, 'invalid_request', ['body']);
      assert.deepEqual(detailFields(e), ['body']);
    }
  });

  test('a JSON value that is not an object answers 400 naming body', async () => {
    for (const raw of ['null', '[]', '"text"', '42', 'true']) {
      await assertApiError(await postMessage(app, raw), 400, 'invalid_request', ['body']);
    }
  });

  test('text/plain, form and missing content types answer 400 naming Content-Type, as the old service did', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/json', 'application/json-seq', 'application/jsonx', 'application/x+jsonp']) {
      const res = await postMessage(app, VALID, { 'content-type': type });
      await assertApiError(res, 400, 'invalid_request', ['Content-Type']);
    }
    const bare = await app.request('/message', { method: 'POST', body: new TextEncoder().encode(JSON.stringify(VALID)) });
    await assertApiError(bare, 400, 'invalid_request', ['Content-Type']);
  });

  test('application/json with a charset, and +json types, are accepted', async () => {
    for (const type of ['application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.api+json']) {
      accepted.push((await assertQueued(await postMessage(app, VALID, { 'content-type': type }))).workflow_id);
    }
  });

  for (const field of FIELDS) {
    for (const [label, value] of BAD_VALUES) {
      test(`${field} ${label} answers 400 naming ${field} only`, async () => {
        const body: Record<string, unknown> = { ...VALID, [field]: value };
        if (value === undefined) delete body[field];
        const e = await assertApiError(await postMessage(app, body), 400, 'invalid_request', [field]);
        assert.deepEqual(detailFields(e), [field]);
      });
    }
  }

  test('an empty object reports all three required fields', async () => {
    const e = await assertApiError(await postMessage(app, {}), 400, 'invalid_request', [...FIELDS]);
    assert.deepEqual(detailFields(e), ['destinataire', 'message', 'sujet']);
    assert.ok(e.details!.every((d) => d.reason === 'is required'));
  });

  test('several bad fields at once are all reported, unknown fields included', async () => {
    const res = await postMessage(app, { destinataire: 'nope', sujet: 7, message: null, enhance_content: 'yes', cc: 'x@example.com' });
    const e = await assertApiError(res, 400, 'invalid_request', ['destinataire', 'sujet', 'message', 'enhance_content', 'cc']);
    assert.deepEqual(detailFields(e), ['cc', 'destinataire', 'enhance_content', 'message', 'sujet']);
  });

  test('an unknown field answers 400 naming it', async () => {
    for (const extra of ['destinataires', 'bcc', 'from', '__proto__', 'constructor']) {
      const raw = `{"destinataire":"to@example.com","sujet":"s","message":"m","${extra}":"x"}`;
      const e = await assertApiError(await postMessage(app, raw), 400, 'invalid_request', [extra]);
      assert.deepEqual(detailFields(e), [extra]);
    }
  });

  test('an invalid address, or more than one address, answers 400 naming destinataire', async () => {
    const bad = [
      'plainaddress', 'to@', '@example.com', 'to@example', 'to@@example.com', 'to @example.com', 'to@exa mple.com',
      'to@-example.com', 'Name <to@example.com>, other@example.com', '<to@example.com> <other@example.com>', 'to@example.com, other@example.com',
      'Doe, Jane <to@example.com>', 'Name <to@example.com', 'a@b.c <to@example.com>', 'to@exa_mple.com', 'to@xn--.com',
      'to@example.com;other@example.com', 'to@example.com other@example.com', 'to@example.com,',
    ];
    for (const destinataire of bad) {
      const e = await assertApiError(await postMessage(app, { ...VALID, destinataire }), 400, 'invalid_request', ['destinataire']);
      assert.deepEqual(detailFields(e), ['destinataire'], destinataire);
    }
  });

  test('CR, LF or NUL in destinataire answers 400 naming destinataire (no header injection)', async () => {
    for (const destinataire of ['to@example.com\r\nBcc: victim@example.com', 'to@example.com\n', '\rto@example.com', 'to@example.com\0']) {
      const e = await assertApiError(await postMessage(app, { ...VALID, destinataire }), 400, 'invalid_request', ['destinataire']);
      assert.ok(e.details!.some((d) => /CR, LF or NUL/.test(d.reason)), JSON.stringify(e.details));
    }
  });

  test('CR, LF or NUL in sujet answers 400 naming sujet; NUL in message names message', async () => {
    for (const sujet of ['Hi\r\nBcc: victim@example.com', 'Hi\nthere', 'Hi\rthere', 'Hi\0']) {
      const e = await assertApiError(await postMessage(app, { ...VALID, sujet }), 400, 'invalid_request', ['sujet']);
      assert.deepEqual(detailFields(e), ['sujet']);
    }
    const e = await assertApiError(await postMessage(app, { ...VALID, message: 'a\0b' }), 400, 'invalid_request', ['message']);
    assert.deepEqual(detailFields(e), ['message']);
  });

  test('bytes that are not UTF-8 answer 400 naming body: never sent as U+FFFD', async () => {
    const enc = new TextEncoder();
    const bytes = new Uint8Array([...enc.encode('{"destinataire":"to@example.com","sujet":"'), 0xff, 0xfe, ...enc.encode('","message":"x"}')]);
    const res = await app.request('/message', { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
    const e = await assertApiError(res, 400, 'invalid_request', ['body']);
    assert.match(e.details![0]!.reason, /UTF-8/);
  });

  test('an unpaired surrogate escape answers 400 naming its field', async () => {
    const e = await assertApiError(await postMessage(app, '{"destinataire":"to@example.com","sujet":"a\\ud800b","message":"x"}'), 400, 'invalid_request', ['sujet']);
    assert.match(e.details![0]!.reason, /surrogate/);
    // A pair (an emoji) is text.
    accepted.push((await assertQueued(await postMessage(app, '{"destinataire":"to@example.com","sujet":"a \\ud83d\\ude00","message":"x"}'))).workflow_id);
  });

  test('a key given twice answers 400 naming it: never the last copy read silently', async () => {
    const bodies: [string, string][] = [
      ['{"destinataire":"to@example.com","sujet":"x","message":"x","destinataire":"other@example.com"}', 'destinataire'],
      // The same key spelt with an escape is the same key to JSON.parse.
      ['{"destinataire":"to@example.com","sujet":"x","message":"first","m\\u0065ssage":"second"}', 'message'],
    ];
    for (const [raw, field] of bodies) {
      const e = await assertApiError(await postMessage(app, raw), 400, 'invalid_request', [field]);
      assert.deepEqual(detailFields(e), [field], raw);
      assert.match(e.details![0]!.reason, /more than once/);
    }
    // A key's name inside a string value is no key.
    accepted.push((await assertQueued(await postMessage(app, '{"destinataire":"to@example.com","sujet":"\\"sujet\\": 1","message":"sujet"}'))).workflow_id);
  });

  test('a body nested deeper than the call stack answers 400 naming body, not 500', async () => {
    await assertApiError(await postMessage(app, '['.repeat(200_000) + ']'.repeat(200_000)), 400, 'invalid_request', ['body']);
    await assertApiError(await postMessage(app, `{"destinataire":"to@example.com","sujet":"x","message":"x","deep":${'['.repeat(200_000)}${']'.repeat(200_000)}}`), 400, 'invalid_request', ['deep']);
  });

  test('rejected requests started no workflow; the accepted ones did', async () => {
    const ids = await eventually(() => workflowIdsOn(t.client, config.temporal.taskQueue), (v) => v.length >= accepted.length);
    assert.deepEqual(ids, [...accepted].sort());
  });

  test('after the whole batch, GET / still answers 200', async () => {
    const res = await app.request('/');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', message: 'Mailing service is running' });
  });
});
