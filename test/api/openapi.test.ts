import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emailStatusSchema, errorSchema, queuedSchema } from '../../src/api/schemas.js';
import { postMessage, useApp } from '../support/api.js';
import { testConfig } from '../support/env.js';

describe('OpenAPI 3.1 document and /docs, from the schemas that validate the API', () => {
  const config = testConfig({ TEMPORAL_REQUEST_TIMEOUT: '2s' });
  const api = useApp(config);

  test('GET /openapi.json describes every route, with the request schema the API validates with', async () => {
    const res = await api.app.request('/openapi.json');
    assert.equal(res.status, 200);
    const doc = (await res.json()) as any;
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/', '/message', '/message/{id}', '/messages']);
    assert.ok(doc.paths['/message'].post.responses['202']);
    assert.deepEqual(Object.keys(doc.paths['/message/{id}']).sort(), ['delete', 'get']);
    const request = doc.components.schemas.MessageRequest;
    assert.deepEqual(Object.keys(request.properties).sort(), ['destinataire', 'enhance_content', 'message', 'send_at', 'sujet']);
    assert.deepEqual([...request.required].sort(), ['destinataire', 'message', 'sujet']);
    assert.equal(request.additionalProperties, false);
    for (const name of ['Queued', 'EmailStatus', 'Error', 'FieldProblem']) assert.ok(doc.components.schemas[name], name);
    assert.deepEqual(doc.components.schemas.EmailStatus.properties.state.enum, ['queued', 'scheduled', 'enhancing', 'sending', 'sent', 'failed', 'cancelled', 'suppressed']);
  });

  test('real answers match the documented response schemas', async () => {
    const queued = await postMessage(api.app, { destinataire: 'doc@example.com', sujet: 'Doc', message: 'x' });
    assert.equal(queued.status, 202);
    const body = queuedSchema.parse(await queued.json());
    emailStatusSchema.parse(await (await api.app.request(body.status_url)).json());
    const bad = await postMessage(api.app, { destinataire: 'nope' });
    assert.equal(bad.status, 400);
    const error = errorSchema.parse(await bad.json());
    assert.equal(error.error.code, 'invalid_request');
  });

  test('/docs is an interactive reference served without any CDN', async () => {
    const page = await api.app.request('/docs');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /SwaggerUIBundle\(\{ url: '\/openapi.json'/);
    assert.doesNotMatch(html, /https?:\/\//);
    const js = await api.app.request('/docs/assets/swagger-ui-bundle.js');
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await js.text()).length > 100_000);
    assert.equal((await api.app.request('/docs/assets/..%2Fpackage.json')).status, 404);
  });
});
