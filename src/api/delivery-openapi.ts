import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { SUPPRESSION_REASONS } from '../db/suppressions.js';
import { errorSchema } from './schemas.js';

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const suppression = z
  .object({ address: z.string(), scope: z.enum(['all', 'reminders']), reason: z.enum(SUPPRESSION_REASONS), source: z.string(), detail: z.string().nullable(), created_at: z.string() })
  .openapi('Suppression');
const address = z.object({ address: z.string().openapi({ param: { name: 'address', in: 'path' }, example: 'a@example.com' }) });
const token = z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' } }) });

/** The delivery-truth routes (present when the API has a database). */
export function registerDeliveryOpenApi(app: OpenAPIHono): void {
  const r = app.openAPIRegistry;
  r.registerPath({
    method: 'post',
    path: '/events/ses',
    summary: 'Amazon SNS HTTPS endpoint for SES events (signature, topic and shape verified first)',
    request: { body: { required: true, content: { 'text/plain': { schema: z.string().openapi({ description: 'The SNS message JSON, as SNS posts it' }) } } } },
    responses: {
      200: json(z.object({ status: z.enum(['recorded', 'duplicate']), type: z.string() }).passthrough(), 'Recorded, or already recorded (SNS redelivery)'),
      400: json(errorSchema, 'Not an SNS message, or an SES event this endpoint does not handle'),
      403: json(errorSchema, 'invalid_signature or unknown_topic: nothing recorded'),
    },
  });
  r.registerPath({
    method: 'get',
    path: '/events',
    summary: 'Emails with SES events for one recipient, each with its delivery state',
    request: { query: z.object({ recipient: z.string() }) },
    responses: { 200: json(z.object({ recipient: z.string(), suppression: suppression.nullable(), emails: z.array(z.object({}).passthrough()) }), 'Events by email'), 400: json(errorSchema, 'Not an address') },
  });
  r.registerPath({
    method: 'get',
    path: '/suppressions',
    summary: 'The suppression list, paginated',
    request: { query: z.object({ reason: z.enum(SUPPRESSION_REASONS).optional(), limit: z.string().optional(), cursor: z.string().optional() }) },
    responses: { 200: json(z.object({ items: z.array(suppression), next_cursor: z.string().nullable() }), 'A page'), 400: json(errorSchema, 'Bad reason or limit') },
  });
  r.registerPath({
    method: 'put',
    path: '/suppressions/{address}',
    summary: 'Suppress an address for every email',
    request: { params: address, body: { required: false, content: { 'application/json': { schema: z.object({ reason: z.enum(SUPPRESSION_REASONS).optional(), detail: z.string().optional() }) } } } },
    responses: { 200: json(suppression, 'Already suppressed'), 201: json(suppression, 'Added'), 400: json(errorSchema, 'Not an address') },
  });
  r.registerPath({
    method: 'delete',
    path: '/suppressions/{address}',
    summary: 'Remove an address from the list',
    request: { params: address },
    responses: { 200: json(z.object({ address: z.string(), removed: z.number() }), 'Removed'), 404: json(errorSchema, 'Not on the list') },
  });
  r.registerPath({ method: 'get', path: '/unsubscribe/{token}', summary: 'Confirmation page with one button', request: { params: token }, responses: { 200: { description: 'HTML page' }, 403: json(errorSchema, 'Forged or altered token') } });
  r.registerPath({
    method: 'post',
    path: '/unsubscribe/{token}',
    summary: 'RFC 8058 one-click unsubscribe from reminders and digests',
    request: { params: token },
    responses: { 200: json(z.object({ address: z.string(), unsubscribed: z.literal('reminders') }), 'Unsubscribed'), 403: json(errorSchema, 'Forged or altered token') },
  });
}
