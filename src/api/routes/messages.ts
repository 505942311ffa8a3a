import { Hono } from 'hono';
import type { Delivery } from '../../events/delivery.js';
import { IDEMPOTENCY_KEY_PATTERN, type EmailStatus } from '../../shared.js';
import type { EmailGateway } from '../emails.js';
import { ApiError, invalid } from '../errors.js';
import { presentStatus } from '../present.js';
import { readJson, toEmailInput, type RecipientRules } from '../requests.js';

export const QUEUED_MESSAGE = "La demande d'envoi d'email a été mise en file d'attente.";
const ID_PATTERN = /^[A-Za-z0-9._~:-]{1,255}$/;

function idempotencyKey(req: Request): string | undefined {
  const key = req.headers.get('idempotency-key');
  if (key === null) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw invalid([{ field: 'Idempotency-Key', reason: 'must be 1 to 200 characters of A-Z a-z 0-9 . _ ~ : -' }]);
  }
  return key;
}

function emailId(raw: string): string {
  if (!ID_PATTERN.test(raw)) throw new ApiError(404, 'not_found', 'No email with that id');
  return raw;
}

export function messagesRoutes(
  emails: EmailGateway,
  rules: RecipientRules = { allowlist: [] },
  onAccepted: (duplicate: boolean) => void = () => {},
  deliveryFor?: (s: EmailStatus) => Promise<Delivery>,
  /** Reminders and digests by their id (reminder-<task>-<due>, digest-<owner>). */
  reminderStatus?: (id: string) => Promise<EmailStatus | undefined>,
) {
  return new Hono()
    .post('/', async (c) => {
      const key = idempotencyKey(c.req.raw);
      const input = await toEmailInput(await readJson(c.req.raw), rules);
      const { workflowId, duplicate } = await emails.queue(input, key);
      onAccepted(duplicate);
      c.set('workflowId', workflowId);
      return c.json(
        {
          status: 'queued',
          message: QUEUED_MESSAGE,
          task_id: workflowId,
          workflow_id: workflowId,
          duplicate,
          send_at: input.sendAt ?? null,
          status_url: `/message/${encodeURIComponent(workflowId)}`,
        },
        202,
      );
    })
    .get('/:id', async (c) => {
      const id = emailId(c.req.param('id'));
      const status = (await reminderStatus?.(id)) ?? (await emails.status(id));
      // What happened after the provider said yes, from the SES events recorded for this email.
      return c.json({ ...presentStatus(status), ...(deliveryFor ? { delivery: await deliveryFor(status) } : {}) });
    })
    .delete('/:id', async (c) => {
      const { status, requested } = await emails.cancel(emailId(c.req.param('id')));
      // 202: no worker is polling right now; Temporal holds the cancellation until one does.
      if (requested) return c.json({ ...presentStatus(status), cancellation: 'requested' }, 202);
      return c.json(presentStatus(status));
    });
}
