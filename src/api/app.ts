import './context.js';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import type { Utf8Check } from '../mail/utf8-support.js';
import type { BatchGateway } from './batches.js';
import type { EmailGateway } from './emails.js';
import { ApiError, isTemporalUnavailable } from './errors.js';
import { createApiMetrics } from './metrics.js';
import { registerDocsPage, registerOpenApi } from './openapi.js';
import { healthRoutes } from './routes/health.js';
import { batchRoutes } from './routes/batch.js';
import { messagesRoutes } from './routes/messages.js';
import { apiKeyAuth, rateLimit, type SecurityOptions } from './security.js';
import type { EventStore } from '../db/events.js';
import type { SuppressionStore } from '../db/suppressions.js';
import { deliveryOf } from '../events/delivery.js';
import type { SnsVerifier } from '../events/sns-verify.js';
import { registerDeliveryMetrics } from './delivery-metrics.js';
import { registerDeliveryOpenApi } from './delivery-openapi.js';
import type { ReminderStatusLookup } from './reminder-status.js';
import { mirrorSuppressionOf, type EventEffects } from './effects.js';
import { sesEventRoutes } from './routes/ses-events.js';
import { suppressionRoutes } from './routes/suppressions.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';

/** Delivery truth (issue 11): needs the database. */
export interface DeliveryDeps {
  events: EventStore;
  suppressions: SuppressionStore;
  verify: SnsVerifier;
  effects: EventEffects;
  softBounceLimit: number;
  unsubscribeSecret?: string;
  reminderStatus?: ReminderStatusLookup;
}

export interface AppDeps {
  emails: EmailGateway;
  checkTemporal: () => Promise<void>;
  logger: Logger;
  maxBodyBytes: number;
  security?: SecurityOptions;
  /** Whether the providers can send to a local part beyond ASCII; absent: such addresses get 400. */
  utf8LocalParts?: Utf8Check;
  delivery?: DeliveryDeps;
  /** POST /messages in one BatchSendWorkflow per request (needs the database); absent: a workflow per message. */
  batches?: BatchGateway;
}

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono();
  const metrics = createApiMetrics();
  app.use('*', metrics.middleware);
  app.use('*', requestId());
  // One line per request, with its request id and, where there is one, the email's workflow id.
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const workflowId = c.get('workflowId') ?? (c.req.param('id') as string | undefined);
    deps.logger.info(
      { requestId: c.get('requestId'), ...(workflowId ? { workflowId } : {}), method: c.req.method, route: c.req.routePath, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
  app.use('*', cors({ exposeHeaders: ['x-request-id', 'Retry-After'] }));
  const security = deps.security ?? { apiKeys: [], ratePerMinute: 0, recipientAllowlist: [] };
  app.use('*', apiKeyAuth(security.apiKeys));
  app.use('*', rateLimit(security.ratePerMinute));
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `The request body is larger than ${deps.maxBodyBytes} bytes`, [
          { field: 'body', reason: `must be at most ${deps.maxBodyBytes} bytes` },
        ]);
      },
    }),
  );
  app.route('/', healthRoutes(deps.checkTemporal));
  const accepted = (duplicate: boolean) => metrics.emailsAccepted.inc({ duplicate: String(duplicate) });
  const rules = { allowlist: security.recipientAllowlist, utf8LocalParts: deps.utf8LocalParts };
  const d = deps.delivery;
  const deliveryFor = d ? async (s: { messageId: string; providerMessageId?: string }) => deliveryOf(await d.events.forEmail({ messageId: s.messageId || undefined, sesMessageId: s.providerMessageId })) : undefined;
  app.route('/message', messagesRoutes(deps.emails, rules, accepted, deliveryFor, d?.reminderStatus));
  if (d) {
    const counted = registerDeliveryMetrics(metrics.registry, d.events, d.suppressions);
    app.route('/events', sesEventRoutes({ verify: d.verify, store: d.events, effects: d.effects, softBounceLimit: d.softBounceLimit, logger: deps.logger, suppressions: d.suppressions, ...counted }));
    app.route('/suppressions', suppressionRoutes(d.suppressions, (s) => mirrorSuppressionOf(d.effects, s)));
    if (d.unsubscribeSecret) app.route('/unsubscribe', unsubscribeRoutes(d.unsubscribeSecret, d.suppressions));
    registerDeliveryOpenApi(app);
  }
  app.route('/messages', batchRoutes(deps.emails, rules, accepted, deps.batches));
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  registerOpenApi(app);
  registerDocsPage(app);

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}`, requestId: c.get('requestId') } }, 404));
  app.onError((err, c) => {
    const rid = c.get('requestId');
    let e: ApiError;
    if (err instanceof ApiError) e = err;
    else if (isTemporalUnavailable(err)) e = new ApiError(503, 'temporal_unavailable', 'The workflow service (Temporal) is unreachable; retry shortly');
    else if (err instanceof HTTPException && err.status < 500) e = new ApiError(err.status as 400, 'bad_request', err.message || 'Bad request');
    else {
      // The route's pattern, as the access log has it: a raw path can carry an unsubscribe token or an address.
      deps.logger.error({ err, requestId: rid, method: c.req.method, route: c.req.routePath }, 'unhandled error');
      e = new ApiError(500, 'internal_error', 'Internal error');
    }
    if (e.status === 503) deps.logger.warn({ requestId: rid, method: c.req.method, route: c.req.routePath, err: (err as Error).message }, 'temporal unavailable');
    if (e.status === 503) c.header('Retry-After', '5');
    return c.json({ error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}), requestId: rid } }, e.status);
  });
  return app;
}
