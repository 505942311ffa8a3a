// SES event publishing (configuration set -> SNS) and the older feedback notifications, read into one
// shape. Anything that is not an object of a known type is refused: the caller answers 400.

export const EVENT_TYPES = ['send', 'delivery', 'bounce', 'complaint', 'reject', 'delivery_delay', 'rendering_failure'] as const;
export type EmailEventType = (typeof EVENT_TYPES)[number];

export interface SesEvent {
  type: EmailEventType;
  sesMessageId?: string;
  /** Our Message-ID header as SES saw it, angle brackets included. */
  messageId?: string;
  /** The recipients this event is about (bounced, complained, delayed, delivered), bare and lower-cased. */
  recipients: string[];
  bounceType?: 'Permanent' | 'Transient' | 'Undetermined';
  bounceSubType?: string;
  occurredAt: string;
  /** What a reader needs (diagnostic codes, feedback type, reason), never the whole email. */
  detail: Record<string, unknown>;
}

export class SesEventError extends Error {}

const NAMES: Record<string, EmailEventType> = {
  Send: 'send',
  Delivery: 'delivery',
  Bounce: 'bounce',
  Complaint: 'complaint',
  Reject: 'reject',
  DeliveryDelay: 'delivery_delay',
  'Rendering Failure': 'rendering_failure',
  RenderingFailure: 'rendering_failure',
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** `Name <a@b.c>` or `a@b.c` -> `a@b.c`, lower-cased: the suppression list's key. */
export function bareAddress(address: string): string {
  return (/<([^<>]*)>\s*$/.exec(address)?.[1] ?? address).trim().toLowerCase();
}

function addresses(list: unknown, key = 'emailAddress'): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((r) => (typeof r === 'string' ? r : isObj(r) ? str(r[key]) : undefined)).filter((a): a is string => !!a).map(bareAddress);
}

function headerMessageId(mail: Obj): string | undefined {
  const common = isObj(mail.commonHeaders) ? str(mail.commonHeaders.messageId) : undefined;
  if (common) return common.trim();
  if (!Array.isArray(mail.headers)) return undefined;
  const h = mail.headers.find((x) => isObj(x) && typeof x.name === 'string' && x.name.toLowerCase() === 'message-id') as Obj | undefined;
  return h ? str(h.value)?.trim() : undefined;
}

function recipientDetail(list: unknown): unknown[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObj).map((r) => ({ emailAddress: r.emailAddress, status: r.status, action: r.action, diagnosticCode: r.diagnosticCode }));
}

/** The SNS Notification's `Message`, parsed. */
export function parseSesEvent(message: string): SesEvent {
  let body: unknown;
  try {
    // A NUL (`\u0000`, which a remote mail server's diagnostic can carry) cannot be stored in PostgreSQL's
    // text or jsonb: it becomes U+FFFD, so that the event is recorded instead of refused for good.
    body = JSON.parse(message, (_key, value: unknown) => (typeof value === 'string' ? value.replaceAll('\u0000', '\uFFFD') : value));
  } catch {
    throw new SesEventError('Message is not JSON');
  }
  if (!isObj(body)) throw new SesEventError('Message is not a JSON object');
  const name = str(body.eventType) ?? str(body.notificationType);
  const type = name ? NAMES[name] : undefined;
  if (!type) throw new SesEventError(`eventType ${JSON.stringify(name ?? null)} is not an SES event this endpoint handles`);
  const mail = isObj(body.mail) ? body.mail : undefined;
  if (!mail) throw new SesEventError('mail is missing');
  const base = {
    type,
    sesMessageId: str(mail.messageId),
    messageId: headerMessageId(mail),
    occurredAt: str(mail.timestamp) ?? new Date().toISOString(),
  };
  const part = (key: string): Obj => (isObj(body[key]) ? (body[key] as Obj) : {});
  const at = (o: Obj) => str(o.timestamp) ?? base.occurredAt;
  switch (type) {
    case 'bounce': {
      const b = part('bounce');
      const bounceType = str(b.bounceType);
      if (bounceType !== 'Permanent' && bounceType !== 'Transient' && bounceType !== 'Undetermined') throw new SesEventError('bounce.bounceType must be Permanent, Transient or Undetermined');
      const recipients = addresses(b.bouncedRecipients);
      if (!recipients.length) throw new SesEventError('bounce.bouncedRecipients is empty');
      return { ...base, recipients, bounceType, bounceSubType: str(b.bounceSubType), occurredAt: at(b), detail: { bouncedRecipients: recipientDetail(b.bouncedRecipients), feedbackId: b.feedbackId } };
    }
    case 'complaint': {
      const c = part('complaint');
      const recipients = addresses(c.complainedRecipients);
      if (!recipients.length) throw new SesEventError('complaint.complainedRecipients is empty');
      return { ...base, recipients, occurredAt: at(c), detail: { complaintFeedbackType: c.complaintFeedbackType, complaintSubType: c.complaintSubType } };
    }
    case 'delivery': {
      const d = part('delivery');
      const recipients = addresses(d.recipients);
      return { ...base, recipients: recipients.length ? recipients : addresses(mail.destination), occurredAt: at(d), detail: { smtpResponse: d.smtpResponse, processingTimeMillis: d.processingTimeMillis } };
    }
    case 'delivery_delay': {
      const d = part('deliveryDelay');
      return { ...base, recipients: addresses(d.delayedRecipients), occurredAt: at(d), detail: { delayType: d.delayType, expirationTime: d.expirationTime, delayedRecipients: recipientDetail(d.delayedRecipients) } };
    }
    case 'reject':
      return { ...base, recipients: addresses(mail.destination), detail: { reason: part('reject').reason } };
    case 'rendering_failure':
      return { ...base, recipients: addresses(mail.destination), detail: { errorMessage: part('failure').errorMessage, templateName: part('failure').templateName } };
    default:
      return { ...base, recipients: addresses(mail.destination), detail: {} };
  }
}
