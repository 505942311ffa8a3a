import { z } from '@hono/zod-openapi';
import { parseRecipient } from '../mail/address.js';

export const MAX_SUBJECT_CHARS = 998; // RFC 5322 line length
export const MAX_MESSAGE_CHARS = 200_000;
const MAX_SEND_AT_DAYS = 366;

const HEADER_UNSAFE = /[\r\n\0]/;

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** ISO 8601 with a zone, on a day that exists: Date.parse would roll 2027-04-31 over to May 1. */
function isoDateTime(v: string): boolean {
  const m = ISO_DATE_TIME.exec(v);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const requiredText = (name: string, max: number) =>
  z
    .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') })
    .refine((v) => v.trim().length > 0, { message: 'must not be empty' })
    .refine((v) => v.length <= max, { message: `must be at most ${max} characters` })
    .openapi({ description: name });

export const messageRequestSchema = z
  .strictObject(
    {
      destinataire: requiredText('Recipient: one address, as `a@example.com` or `Name <a@example.com>`; an internationalised domain is sent as punycode; a local part beyond ASCII only where every provider can send it (an SMTP server offering SMTPUTF8; never SES).', 320)
        .superRefine((v, ctx) => {
          // One address, never a list or a group: the API must not become a way to reach many people.
          const parsed = parseRecipient(v);
          if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
        })
        .openapi({ example: 'Ada Lovelace <ada@example.com>' }),
      sujet: requiredText('Subject.', MAX_SUBJECT_CHARS)
        .refine((v) => !HEADER_UNSAFE.test(v), { message: 'must not contain CR, LF or NUL' })
        .openapi({ example: 'Hi' }),
      message: requiredText('Plain-text body.', MAX_MESSAGE_CHARS)
        .refine((v) => !v.includes('\0'), { message: 'must not contain NUL' })
        .openapi({ example: 'Hello' }),
      enhance_content: z
        .boolean({ error: 'must be true or false' })
        .nullish()
        .openapi({ description: 'Turn the text into HTML with Gemini (falls back to a plain rendering).' }),
      send_at: z
        .string({ error: 'must be an ISO 8601 date-time string' })
        .nullish()
        .superRefine((v, ctx) => {
          if (v == null) return;
          const t = isoDateTime(v) ? Date.parse(v) : NaN;
          if (Number.isNaN(t)) ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T09:00:00Z' });
          else if (t <= Date.now()) ctx.addIssue({ code: 'custom', message: 'must be in the future' });
          else if (t > Date.now() + MAX_SEND_AT_DAYS * 86_400_000) ctx.addIssue({ code: 'custom', message: `must be within ${MAX_SEND_AT_DAYS} days` });
        })
        .openapi({ description: 'When to send (ISO 8601, future). The email waits durably until then.' }),
    },
    { error: (i) => (i.code === 'unrecognized_keys' ? `unknown field` : 'must be a JSON object') },
  )
  .openapi('MessageRequest');

export type MessageRequest = z.infer<typeof messageRequestSchema>;

/** zod issues -> one problem per field, named as the client wrote it. */
export function fieldProblems(error: z.ZodError): { field: string; reason: string }[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => ({ field: k, reason: 'is not a known field' }));
    return [{ field: issue.path.length ? issue.path.join('.') : 'body', reason: issue.message }];
  });
}

const problem = z.object({ field: z.string(), reason: z.string() });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string(),
      details: z.unknown().optional().openapi({ description: 'For 400 and 409 idempotency_conflict: [{field, reason}] for each bad field; for 409 not_cancellable: {state}.', type: 'array', items: { $ref: '#/components/schemas/FieldProblem' } }),
      requestId: z.string(),
    }),
  })
  .openapi('Error');
export const fieldProblemSchema = problem.openapi('FieldProblem');

export const queuedSchema = z
  .object({
    status: z.literal('queued'),
    message: z.string(),
    task_id: z.string().openapi({ description: 'Same as workflow_id (the old field name).' }),
    workflow_id: z.string(),
    duplicate: z.boolean().openapi({ description: 'True when the Idempotency-Key was already used for this payload.' }),
    send_at: z.string().nullable(),
    status_url: z.string(),
  })
  .openapi('Queued');

const state = z.enum(['queued', 'scheduled', 'enhancing', 'sending', 'sent', 'failed', 'cancelled', 'suppressed']);
const providerName = z.enum(['smtp', 'ses']);

export const emailStatusSchema = z
  .object({
    id: z.string(),
    workflow_id: z.string(),
    state,
    to: z.string(),
    subject: z.string(),
    send_at: z.string().nullable(),
    message_id: z.string().nullable().openapi({ description: 'RFC 5322 Message-ID derived from the workflow id.' }),
    enhancement: z.object({ used: z.enum(['gemini', 'fallback', 'none']), reason: z.string().optional() }),
    provider: providerName.nullable(),
    provider_message_id: z.string().nullable(),
    attempts: z.number().int(),
    primary_failure: z.object({ provider: providerName, error: z.string(), errorType: z.string().optional() }).nullable(),
    last_error: z.string().nullable(),
    error: z.object({ message: z.string(), type: z.string().optional() }).nullable(),
    sent_at: z.string().nullable(),
    cancellation: z.literal('requested').optional().openapi({ description: 'DELETE only: no worker answered in time; the cancel is recorded.' }),
    suppression: z.object({ reason: z.string(), since: z.string().optional() }).optional().openapi({ description: 'State suppressed: why the address is on the suppression list.' }),
    delivery: z
      .object({
        status: z.enum(['unknown', 'delivered', 'delayed', 'bounced', 'complained', 'rejected']),
        at: z.string().optional(),
        events: z.array(z.object({ type: z.string(), at: z.string(), recipients: z.array(z.string()) }).passthrough()),
      })
      .optional()
      .openapi({ description: 'With a database: what SES reported after accepting the email.' }),
  })
  .openapi('EmailStatus');

export const healthSchema = z.object({ status: z.literal('ok'), message: z.string() }).openapi('Health');

export const batchRequestSchema = z
  .object({
    messages: z
      .array(messageRequestSchema.extend({ idempotency_key: z.string().optional().openapi({ description: 'Like Idempotency-Key; generated and returned when absent.' }) }))
      .min(1)
      .max(100),
  })
  .openapi('BatchRequest');

export const batchResponseSchema = z
  .object({
    queued: z.number().int(),
    rejected: z.number().int(),
    results: z.array(
      z.union([
        z.object({ index: z.number().int(), status: z.literal('queued'), workflow_id: z.string(), idempotency_key: z.string(), duplicate: z.boolean(), status_url: z.string() }),
        z.object({ index: z.number().int(), status: z.literal('rejected'), error: errorSchema.shape.error.omit({ requestId: true }) }),
      ]),
    ),
  })
  .openapi('BatchResult');
