import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  batchRequestSchema,
  batchResponseSchema,
  emailStatusSchema,
  errorSchema,
  fieldProblemSchema,
  healthSchema,
  messageRequestSchema,
  queuedSchema,
} from './schemas.js';

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = {
  400: json(errorSchema, 'Invalid request: every bad field is named in details'),
  413: json(errorSchema, 'Body larger than MAX_BODY_BYTES'),
  503: json(errorSchema, 'Temporal is unreachable; retry (see Retry-After)'),
};
const idParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'message-invoice-42' }) });

/** The same zod schemas that validate requests describe the API: one source, no drift. */
export function registerOpenApi(app: OpenAPIHono): void {
  const r = app.openAPIRegistry;
  r.register('FieldProblem', fieldProblemSchema);
  r.registerPath({ method: 'get', path: '/', summary: 'Health (the old body)', responses: { 200: json(healthSchema, 'Running') } });
  r.registerPath({
    method: 'post',
    path: '/message',
    summary: 'Queue an email (SendEmailWorkflow)',
    request: {
      headers: z.object({ 'Idempotency-Key': z.string().optional().openapi({ description: 'Same key, same workflow, one email.' }) }),
      body: { required: true, content: { 'application/json': { schema: messageRequestSchema } } },
    },
    responses: { 202: json(queuedSchema, 'Queued'), 409: json(errorSchema, 'Idempotency-Key reused with another payload'), ...errors },
  });
  r.registerPath({
    method: 'post',
    path: '/messages',
    summary: 'Queue up to 100 emails (with a database, those due now in one BatchSendWorkflow); bad ones are reported by index',
    request: { body: { required: true, content: { 'application/json': { schema: batchRequestSchema } } } },
    responses: { 202: json(batchResponseSchema, 'At least one message queued'), 400: json(batchResponseSchema, 'None queued: a bad message first'), 409: json(batchResponseSchema, 'None queued: an Idempotency-Key conflict first'), 413: errors[413], 503: errors[503] },
  });
  r.registerPath({
    method: 'get',
    path: '/message/{id}',
    summary: "An email's state",
    request: { params: idParam },
    responses: { 200: json(emailStatusSchema, 'Status'), 404: json(errorSchema, 'Unknown id'), 503: errors[503] },
  });
  r.registerPath({
    method: 'delete',
    path: '/message/{id}',
    summary: 'Cancel an email not yet sent',
    request: { params: idParam },
    responses: {
      200: json(emailStatusSchema, 'Cancelled'),
      202: json(emailStatusSchema, 'No worker answered in time: the cancellation is recorded and applies when one does'),
      404: json(errorSchema, 'Unknown id'),
      409: json(errorSchema, 'Already sending, sent or failed'),
      503: errors[503],
    },
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Durable mailer', version: '1.0.0', description: 'Emails and due-task reminders on Temporal.' },
  });
}

const require = createRequire(import.meta.url);
const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
  'swagger-ui-standalone-preset.js': 'text/javascript',
};

/** An interactive reference at /docs, served from the swagger-ui-dist package (no CDN). */
export function registerDocsPage(app: OpenAPIHono): void {
  app.get('/docs', (c) =>
    c.html(`<!doctype html><html><head><meta charset="utf-8"><title>Durable mailer API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });</script>
</body></html>`),
  );
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    return c.body(await readFile(path.join(SWAGGER_DIR, file), 'utf8'), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
