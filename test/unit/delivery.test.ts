import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { loadEnv } from '../../src/env.js';
import { deliveryOf } from '../../src/events/delivery.js';
import { parseSesEvent, SesEventError } from '../../src/events/ses-event.js';
import { createSnsVerifier, isSnsUrl, SnsRefused } from '../../src/events/sns-verify.js';
import { readUnsubscribeToken, unsubscribeHeaders, unsubscribeToken } from '../../src/unsubscribe/token.js';
import { signWebhook } from '../../src/webhooks/sign.js';

const mail = { messageId: 'ses-1', timestamp: '2026-01-01T00:00:00.000Z', destination: ['A@Example.com'], commonHeaders: { messageId: '<message-1@x.test>' } };

describe('SES events', () => {
  test('every handled type reads into one shape, matched by SES id and our Message-ID', () => {
    const bounce = parseSesEvent(JSON.stringify({ eventType: 'Bounce', mail, bounce: { bounceType: 'Transient', bounceSubType: 'MailboxFull', bouncedRecipients: [{ emailAddress: 'Jane <A@Example.com>' }] } }));
    assert.deepEqual([bounce.type, bounce.sesMessageId, bounce.messageId, bounce.recipients, bounce.bounceType, bounce.bounceSubType], ['bounce', 'ses-1', '<message-1@x.test>', ['a@example.com'], 'Transient', 'MailboxFull']);
    const cases: [unknown, string][] = [
      [{ eventType: 'Send', mail }, 'send'],
      [{ eventType: 'Delivery', mail, delivery: { recipients: ['a@example.com'] } }, 'delivery'],
      [{ notificationType: 'Delivery', mail, delivery: {} }, 'delivery'],
      [{ eventType: 'Complaint', mail, complaint: { complainedRecipients: [{ emailAddress: 'a@example.com' }], complaintFeedbackType: 'abuse' } }, 'complaint'],
      [{ eventType: 'Reject', mail, reject: { reason: 'Bad content' } }, 'reject'],
      [{ eventType: 'DeliveryDelay', mail, deliveryDelay: { delayType: 'MailboxFull', delayedRecipients: [{ emailAddress: 'a@example.com' }] } }, 'delivery_delay'],
      [{ eventType: 'Rendering Failure', mail, failure: { errorMessage: 'x' } }, 'rendering_failure'],
    ];
    for (const [body, type] of cases) assert.equal(parseSesEvent(JSON.stringify(body)).type, type);
    const byHeader = parseSesEvent(JSON.stringify({ eventType: 'Send', mail: { ...mail, commonHeaders: {}, headers: [{ name: 'Message-ID', value: '<h@x>' }] } }));
    assert.equal(byHeader.messageId, '<h@x>');
  });

  test('what it cannot read is refused, naming why', () => {
    for (const bad of ['not json', '[]', '{"eventType":"Open","mail":{}}', '{"eventType":"Bounce"}', JSON.stringify({ eventType: 'Bounce', mail, bounce: { bounceType: 'Soft', bouncedRecipients: [{ emailAddress: 'a@b.c' }] } }), JSON.stringify({ eventType: 'Complaint', mail, complaint: {} })]) {
      assert.throws(() => parseSesEvent(bad), SesEventError, bad);
    }
  });

  test('the delivery state is the strongest event: complaint > permanent bounce > reject > delivery > delay', () => {
    const e = (type: string, at: string, bounceType?: string) => ({ type, at, recipients: [], detail: {}, ...(bounceType ? { bounceType } : {}) }) as never;
    assert.deepEqual(deliveryOf([]), { status: 'unknown', events: [] });
    assert.equal(deliveryOf([e('send', '1'), e('delivery', '2')]).status, 'delivered');
    assert.equal(deliveryOf([e('delivery', '1'), e('complaint', '2')]).status, 'complained');
    assert.equal(deliveryOf([e('bounce', '1', 'Transient')]).status, 'delayed');
    assert.equal(deliveryOf([e('bounce', '1', 'Permanent'), e('delivery_delay', '2')]).status, 'bounced');
    assert.equal(deliveryOf([e('delivery', '1'), e('delivery', '5')]).at, '5');
  });
});

describe('SNS verification before any fetch', () => {
  const verify = createSnsVerifier({ topicArns: ['arn:aws:sns:eu-west-3:1:ses'] });
  const base = { Type: 'Notification', MessageId: 'm', TopicArn: 'arn:aws:sns:eu-west-3:1:ses', Message: '{}', Timestamp: 't', Signature: 'c2ln', SignatureVersion: '2' };
  const refused = async (body: unknown, status: number, code: string, field: string) => {
    await assert.rejects(verify(typeof body === 'string' ? body : JSON.stringify(body)), (e: unknown) => e instanceof SnsRefused && e.status === status && e.code === code && e.field === field);
  };

  test('malformed bodies, unknown topics and cert URLs off SNS hosts are refused', async () => {
    await refused('{"Type":', 400, 'invalid_body', 'body');
    await refused({ ...base, SigningCertURL: undefined }, 400, 'invalid_body', 'SigningCertURL');
    await refused({ ...base, Type: 'Other', SigningCertURL: 'https://sns.eu-west-3.amazonaws.com/x.pem' }, 400, 'invalid_body', 'Type');
    await refused({ ...base, TopicArn: 'arn:aws:sns:eu-west-3:2:other', SigningCertURL: 'https://sns.eu-west-3.amazonaws.com/x.pem' }, 403, 'unknown_topic', 'TopicArn');
    for (const url of ['http://sns.eu-west-3.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem', 'https://evil.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem', 'https://sns.eu-west-3.amazonaws.com.evil.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem']) {
      await refused({ ...base, SigningCertURL: url }, 403, 'invalid_signature', 'SigningCertURL');
    }
    await refused({ ...base, SignatureVersion: '3', SigningCertURL: 'https://sns.eu-west-3.amazonaws.com/x.pem' }, 403, 'invalid_signature', 'SignatureVersion');
  });

  test('SubscribeURL must be https on an SNS host', () => {
    assert.ok(isSnsUrl('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription'));
    for (const u of ['http://sns.us-east-1.amazonaws.com/', 'https://sns.us-east-1.amazonaws.com:8443/', 'https://evil.example/', 'not a url']) assert.equal(isSnsUrl(u), false, u);
  });
});

describe('unsubscribe tokens and webhook signatures', () => {
  const secret = randomBytes(32).toString('hex');
  test('a token reads back only with its secret and unaltered', () => {
    const token = unsubscribeToken(secret, 'Owner <Owner@Example.com>');
    assert.deepEqual(readUnsubscribeToken(secret, token), { address: 'owner@example.com', scope: 'reminders' });
    assert.equal(readUnsubscribeToken(`${secret}x`, token), undefined);
    const [payload, mac] = token.split('.');
    const other = Buffer.from(JSON.stringify({ a: 'victim@example.com', s: 'reminders' })).toString('base64url');
    assert.equal(readUnsubscribeToken(secret, `${other}.${mac}`), undefined);
    assert.equal(readUnsubscribeToken(secret, `${payload}.${mac!.slice(1)}A`), undefined);
    const headers = unsubscribeHeaders({ secret, baseUrl: 'https://m.example' }, 'a@b.c');
    assert.match(headers['List-Unsubscribe']!, /^<https:\/\/m\.example\/unsubscribe\/[\w-]+\.[\w-]+>$/);
    assert.equal(headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  });

  test('webhooks verify with the standardwebhooks package, and not with another secret', () => {
    const key = `whsec_${randomBytes(32).toString('base64')}`;
    const signed = signWebhook(key, 'evt_1', '{"type":"email.sent"}');
    assert.deepEqual(new Webhook(key).verify(signed.body, signed.headers), { type: 'email.sent' });
    assert.throws(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(signed.body, signed.headers));
  });
});

describe('configuration', () => {
  const problems = (vars: Record<string, string>) => {
    try {
      loadEnv(vars);
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  test('the SNS test-only settings are refused outside NODE_ENV=test; webhook and unsubscribe secrets are checked', () => {
    assert.match(problems({ SNS_CERT_CA_FILE: '/x.pem' }), /test-only/);
    assert.match(problems({ NODE_ENV: 'production', SNS_CERT_CONNECT_TO: '127.0.0.1:1' }), /test-only/);
    assert.equal(problems({ NODE_ENV: 'test', SNS_CERT_CONNECT_TO: '127.0.0.1:1' }), '');
    assert.match(problems({ WEBHOOK_URL: 'https://h.example' }), /WEBHOOK_SECRET: must be set/);
    assert.match(problems({ WEBHOOK_URL: 'https://h.example', WEBHOOK_SECRET: 'plain' }), /whsec_/);
    assert.match(problems({ UNSUBSCRIBE_SECRET: 'short' }), /at least 32/);
    assert.match(problems({ UNSUBSCRIBE_SECRET: 'x'.repeat(32), PUBLIC_BASE_URL: 'http://m.example' }), /https/);
    const c = loadEnv({ UNSUBSCRIBE_SECRET: 'x'.repeat(32), PUBLIC_BASE_URL: 'https://m.example/', SES_EVENTS_TOPIC_ARNS: 'a, b' });
    assert.deepEqual([c.unsubscribe, c.events.topicArns], [{ secret: 'x'.repeat(32), baseUrl: 'https://m.example' }, ['a', 'b']]);
  });
});
