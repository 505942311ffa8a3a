// A stand-in for Amazon SNS that tests control: a certificate authority made here, an HTTPS server with
// a certificate for sns.us-east-1.amazonaws.com under that CA serving the signing certificate, and
// envelopes signed as SNS signs them (SignatureVersion 1 SHA1, 2 SHA256). The service trusts that CA
// only through the test-only SNS_CERT_CA_FILE / SNS_CERT_CONNECT_TO; it still checks every signature.
import { execFileSync } from 'node:child_process';
import { createSign, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { infra } from './env.js';

export const SNS_HOST = 'sns.us-east-1.amazonaws.com';
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ses-events';

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

export interface FakeSns {
  caFile: string;
  connectTo: string;
  certUrl: string;
  /** Paths the HTTPS server was asked for (certificate fetches, subscription confirmations). */
  requests: string[];
  sign(fields: Record<string, string>, version?: '1' | '2'): Record<string, string>;
  notification(message: unknown, opts?: { version?: '1' | '2'; topicArn?: string; messageId?: string }): Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeSns(): Promise<FakeSns> {
  const dir = mkdtempSync(path.join(infra.workDir, 'sns-'));
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Test SNS CA']);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'host.key', '-out', 'host.csr', '-subj', `/CN=${SNS_HOST}`]);
  writeFileSync(path.join(dir, 'san.ext'), `subjectAltName=DNS:${SNS_HOST}\n`);
  openssl(dir, ['x509', '-req', '-in', 'host.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'host.pem', '-days', '2', '-extfile', 'san.ext']);
  // The key SNS signs with, in a certificate of its own (the verifier reads its public key).
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'sign.key', '-out', 'sign.pem', '-days', '2', '-subj', `/CN=${SNS_HOST}`]);
  const signKey = readFileSync(path.join(dir, 'sign.key'), 'utf8');
  const certPath = `/SimpleNotificationService-${randomBytes(16).toString('hex')}.pem`;
  const requests: string[] = [];
  const server: Server = createServer({ key: readFileSync(path.join(dir, 'host.key')), cert: readFileSync(path.join(dir, 'host.pem')) }, (req, res) => {
    requests.push(req.url ?? '');
    if (req.url === certPath) {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(readFileSync(path.join(dir, 'sign.pem')));
    } else if (req.url?.startsWith('/?Action=ConfirmSubscription')) {
      res.writeHead(200, { 'content-type': 'text/xml' }).end('<ConfirmSubscriptionResponse/>');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const certUrl = `https://${SNS_HOST}${certPath}`;

  const KEYS: Record<string, string[]> = {
    Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
    SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
    UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  };
  function sign(fields: Record<string, string>, version: '1' | '2' = '2') {
    const text = KEYS[fields.Type!]!.filter((k) => k in fields).map((k) => `${k}\n${fields[k]}\n`).join('');
    const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256').update(text).sign(signKey, 'base64');
    return { ...fields, SignatureVersion: version, Signature: signature, SigningCertURL: fields.SigningCertURL ?? certUrl };
  }
  return {
    caFile: path.join(dir, 'ca.pem'),
    connectTo: `127.0.0.1:${port}`,
    certUrl,
    requests,
    sign,
    notification(message, opts = {}) {
      return sign(
        {
          Type: 'Notification',
          MessageId: opts.messageId ?? randomUUID(),
          TopicArn: opts.topicArn ?? TOPIC_ARN,
          Message: typeof message === 'string' ? message : JSON.stringify(message),
          Timestamp: new Date().toISOString(),
          UnsubscribeURL: `https://${SNS_HOST}/?Action=Unsubscribe`,
        },
        opts.version,
      );
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An SES event-publishing record for one email, as SES puts it in an SNS Notification's Message. */
export function sesEvent(kind: 'Delivery' | 'Bounce' | 'Complaint' | 'Send', email: { sesMessageId: string; messageId: string; to: string }, extra: Record<string, unknown> = {}) {
  const timestamp = new Date().toISOString();
  const mail = { timestamp, messageId: email.sesMessageId, source: 'noreply@example.com', destination: [email.to], commonHeaders: { messageId: email.messageId, to: [email.to] } };
  const parts: Record<string, unknown> = {
    Delivery: { delivery: { timestamp, recipients: [email.to], smtpResponse: '250 2.0.0 OK', processingTimeMillis: 500 } },
    Bounce: { bounce: { bounceType: 'Permanent', bounceSubType: 'General', timestamp, feedbackId: randomUUID(), bouncedRecipients: [{ emailAddress: email.to, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] } },
    Complaint: { complaint: { timestamp, complaintFeedbackType: 'abuse', complainedRecipients: [{ emailAddress: email.to }] } },
    Send: { send: {} },
  };
  return { eventType: kind, mail, ...(parts[kind] as object), ...extra };
}
