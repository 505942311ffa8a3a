import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EnvError, loadEnv, parseDuration } from '../../src/env.js';

/** Asserts that loadEnv(vars) throws an EnvError whose message names `variable`. */
function assertRefused(vars: Record<string, string>, variable: string): void {
  assert.throws(
    () => loadEnv(vars),
    (err: unknown) => {
      assert.ok(err instanceof EnvError, `expected EnvError, got ${String(err)}`);
      assert.match(err.message, new RegExp(`\\b${variable}:`));
      assert.ok(err.problems.some((p) => p.startsWith(`${variable}:`)), err.problems.join('; '));
      return true;
    },
  );
}

describe('loadEnv defaults', () => {
  const config = loadEnv({});

  test('an empty environment gives the documented defaults', () => {
    assert.equal(config.http.port, 3000);
    assert.equal(config.ses.region, 'eu-west-3');
    assert.equal(config.gemini.logDir, 'gemini_logs/');
    assert.equal(config.temporal.taskQueue, 'mailer');
    assert.equal(config.temporal.address, 'localhost:7233');
    assert.equal(config.temporal.namespace, 'default');
  });

  test('the sweep runs hourly over a 24 h window in UTC by default', () => {
    assert.equal(config.sweep.intervalMs, 3_600_000);
    assert.equal(config.sweep.windowMs, 86_400_000);
    assert.equal(config.sweep.timeZone, 'UTC');
    assert.equal(config.sweep.linkBaseUrl, undefined);
  });

  test('with nothing configured the provider is SMTP with no fallback and no SES credentials', () => {
    assert.equal(config.mail.provider, 'smtp');
    assert.equal(config.mail.fallback, undefined);
    assert.equal(config.smtp.configured, false);
    assert.equal(config.ses.credentials, undefined);
    assert.equal(config.ses.endpoint, undefined);
  });

  test('TEMPORAL_TASK_QUEUE overrides the default queue', () => {
    assert.equal(loadEnv({ TEMPORAL_TASK_QUEUE: 'other' }).temporal.taskQueue, 'other');
  });
});

describe('loadEnv keeps the old variable names working', () => {
  test('the Flask SMTP variables select SMTP, its server, login and From', () => {
    const c = loadEnv({
      SMTP_SERVER: 'smtp.example.org',
      SMTP_PORT: '587',
      SMTP_LOGIN: 'user',
      SMTP_PASSWORD: 'secret',
      SENDER_EMAIL: 'Mailer <sender@example.org>',
    });
    assert.equal(c.mail.provider, 'smtp');
    assert.deepEqual(
      { host: c.smtp.host, port: c.smtp.port, user: c.smtp.user, password: c.smtp.password, configured: c.smtp.configured },
      { host: 'smtp.example.org', port: 587, user: 'user', password: 'secret', configured: true },
    );
    assert.equal(c.mail.smtpFrom, 'Mailer <sender@example.org>');
  });

  test('the Django AWS keys without SMTP_SERVER select SES with those credentials', () => {
    const c = loadEnv({ AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's3cret' });
    assert.equal(c.mail.provider, 'ses');
    assert.equal(c.ses.credentials?.accessKeyId, 'AKIA1');
    assert.equal(c.ses.credentials?.secretAccessKey, 's3cret');
  });

  test('AWS keys together with SMTP_SERVER keep SMTP as the provider', () => {
    const c = loadEnv({ AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's3cret', SMTP_SERVER: 'smtp.example.org' });
    assert.equal(c.mail.provider, 'smtp');
  });

  test('DEFAULT_FROM_EMAIL is the SES From, display-name form accepted', () => {
    const c = loadEnv({ DEFAULT_FROM_EMAIL: 'StudyFlow <noreply@polplana.work>', SENDER_EMAIL: 'other@example.org' });
    assert.equal(c.mail.sesFrom, 'StudyFlow <noreply@polplana.work>');
    assert.equal(c.mail.smtpFrom, 'other@example.org');
  });

  test('AWS_SES_REGION_ENDPOINT as a bare host name becomes an https URL and selects SES', () => {
    const c = loadEnv({ AWS_SES_REGION_ENDPOINT: 'email.eu-west-3.amazonaws.com' });
    assert.equal(c.ses.endpoint, 'https://email.eu-west-3.amazonaws.com');
    assert.equal(c.mail.provider, 'ses');
  });

  test('AWS_SES_REGION_ENDPOINT given as a full http URL stays as it is', () => {
    assert.equal(loadEnv({ AWS_SES_REGION_ENDPOINT: 'http://127.0.0.1:4566' }).ses.endpoint, 'http://127.0.0.1:4566');
  });

  test('AWS_SES_REGION_NAME overrides the region', () => {
    assert.equal(loadEnv({ AWS_SES_REGION_NAME: 'us-east-1' }).ses.region, 'us-east-1');
  });
});

describe('loadEnv refuses bad values and names the variable', () => {
  test('PORT=abc', () => assertRefused({ PORT: 'abc' }, 'PORT'));
  test('SMTP_PORT=70000', () => assertRefused({ SMTP_PORT: '70000' }, 'SMTP_PORT'));
  test('SWEEP_INTERVAL=soon', () => assertRefused({ SWEEP_INTERVAL: 'soon' }, 'SWEEP_INTERVAL'));
  test('SWEEP_INTERVAL=0s (a duration must be positive)', () => assertRefused({ SWEEP_INTERVAL: '0s' }, 'SWEEP_INTERVAL'));
  test('REMINDER_TIME_ZONE=Mars/Base', () => assertRefused({ REMINDER_TIME_ZONE: 'Mars/Base' }, 'REMINDER_TIME_ZONE'));
  test('MAIL_PROVIDER=pigeon', () => assertRefused({ MAIL_PROVIDER: 'pigeon' }, 'MAIL_PROVIDER'));
  test('MAIL_FALLBACK_PROVIDER equal to the primary', () =>
    assertRefused({ MAIL_PROVIDER: 'ses', MAIL_FALLBACK_PROVIDER: 'ses' }, 'MAIL_FALLBACK_PROVIDER'));
  test('AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY', () =>
    assertRefused({ AWS_ACCESS_KEY_ID: 'AKIA1' }, 'AWS_SECRET_ACCESS_KEY'));

  test('a fallback different from the primary is accepted', () => {
    const c = loadEnv({ MAIL_PROVIDER: 'ses', MAIL_FALLBACK_PROVIDER: 'smtp' });
    assert.equal(c.mail.provider, 'ses');
    assert.equal(c.mail.fallback, 'smtp');
  });

  // docker compose turns `PORT: ${PORT}` with PORT unset into PORT="", and .env files often hold `PORT=`.
  test('an empty PORT is treated as unset (3000) or refused, never as port 0', () => {
    let port: number | undefined;
    try {
      port = loadEnv({ PORT: '' }).http.port;
    } catch (err) {
      assert.ok(err instanceof EnvError);
      return;
    }
    assert.equal(port, 3000);
  });
});

describe('parseDuration', () => {
  test('reads ms, s, m, h and d', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1d'), 86_400_000);
  });

  test('tolerates surrounding and inner spaces', () => {
    assert.equal(parseDuration(' 2 h '), 7_200_000);
  });

  test('returns undefined for text that is not a duration', () => {
    for (const text of ['', 'soon', '10', '1.5h', '-1h', 'h', '1w']) assert.equal(parseDuration(text), undefined, text);
  });
});

describe('loadEnv: TLS to a Temporal cluster', () => {
  test('a private CA or a server name turns TLS on with those settings; a client certificate adds mTLS', () => {
    assert.equal(loadEnv({}).temporal.tls, false);
    assert.deepEqual(loadEnv({ TEMPORAL_TLS_CA_PATH: 'ca.pem' }).temporal.tls, { certPath: undefined, keyPath: undefined, caPath: 'ca.pem', serverName: undefined });
    assert.deepEqual(loadEnv({ TEMPORAL_TLS_CERT_PATH: 'c.pem', TEMPORAL_TLS_KEY_PATH: 'c.key', TEMPORAL_TLS_CA_PATH: 'ca.pem', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).temporal.tls, {
      certPath: 'c.pem',
      keyPath: 'c.key',
      caPath: 'ca.pem',
      serverName: 'temporal.internal',
    });
    assert.throws(() => loadEnv({ TEMPORAL_TLS_CERT_PATH: 'c.pem' }), EnvError);
  });
});
