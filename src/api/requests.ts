import type { SendEmailInput } from '../shared.js';
import { ApiError, invalid } from './errors.js';
import { fieldProblems, messageRequestSchema } from './schemas.js';
import { recipientAllowed } from './security.js';

export async function readJson(req: Request): Promise<unknown> {
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    // 400, as the Flask mailer answered a request that was not JSON.
    throw invalid([{ field: 'Content-Type', reason: 'must be application/json (the body must be JSON)' }]);
  }
  const text = await req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw invalid([{ field: 'body', reason: 'is not valid JSON' }]);
  }
}

/** One message of the old payload, validated, allowlisted and turned into the workflow's input. */
export function toEmailInput(raw: unknown, allowlist: string[]): SendEmailInput {
  const parsed = messageRequestSchema.safeParse(raw);
  if (!parsed.success) throw invalid(fieldProblems(parsed.error));
  const body = parsed.data;
  if (!recipientAllowed(body.destinataire.trim(), allowlist)) {
    throw new ApiError(403, 'recipient_not_allowed', 'This service does not send to that recipient (RECIPIENT_ALLOWLIST)', [
      { field: 'destinataire', reason: 'is not in the recipient allowlist' },
    ]);
  }
  return {
    to: body.destinataire.trim(),
    subject: body.sujet,
    text: body.message,
    enhance: body.enhance_content === true,
    ...(body.send_at ? { sendAt: new Date(body.send_at).toISOString() } : {}),
  };
}
