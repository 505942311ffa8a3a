// The one module that reads process.env. Every other module receives a typed Config.
import { existsSync } from 'node:fs';
import { envSchema, type RawEnv } from './env-schema.js';

export { ENV_VARIABLES, parseDuration } from './env-schema.js';

export interface Config {
  nodeEnv: RawEnv['NODE_ENV'];
  logLevel: RawEnv['LOG_LEVEL'];
  /** Unset: json (npm run dev chooses pretty). */
  logFormat?: 'json' | 'pretty';
  http: { host: string; port: number; maxBodyBytes: number; temporalTimeoutMs: number };
  security: { apiKeys: string[]; ratePerMinute: number; recipientAllowlist: string[] };
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    apiKey?: string;
    /** An object: TLS with a client certificate (mTLS), a private CA and/or a server name to check. */
    tls: boolean | { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
    cliPath?: string;
    uiPort: number;
    /** A prebuilt workflow bundle; without one the worker bundles workflows/ at start-up. */
    workflowBundlePath?: string;
    /** Prometheus endpoint of the worker (Temporal runtime metrics and ours); 0: off. */
    workerMetricsPort: number;
    /** The worker's memory bounds: workflows cached between tasks, V8 old-space limit (0: Node's). */
    workerMemory: { maxCachedWorkflows: number; heapLimitMb: number };
    maxLocalActivities: number;
  };
  databaseUrl?: string;
  /** Retention of the send ledger and of batch message rows. */
  sendLedgerRetentionMs: number;
  dataDir: string;
  embeddedPostgresPort: number;
  mail: {
    provider: 'smtp' | 'ses';
    fallback?: 'smtp' | 'ses';
    /** From for SMTP (SENDER_EMAIL first, as the Flask mailer did). */
    smtpFrom: string;
    /** From for SES (DEFAULT_FROM_EMAIL first, as the Django backend did). */
    sesFrom: string;
    messageIdDomain?: string;
    /** How long an email keeps being retried through transient failures. */
    sendRetryWindowMs: number;
    /** 0: no limit but the window. */
    sendMaxAttempts: number;
    primaryMaxAttempts: number;
    /** Emails per second per provider for the whole task queue; 0: unpaced. */
    sendRate: Record<'smtp' | 'ses', number>;
  };
  smtp: { host: string; port: number; user?: string; password?: string; poolSize: number; configured: boolean };
  ses: {
    region: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  };
  gemini: { apiKey?: string; model: string; baseUrl?: string; timeoutMs: number; maxAttempts: number; logDir: string };
  sweep: {
    intervalMs: number;
    catchupWindowMs: number;
    windowMs: number;
    pageSize: number;
    scheduleOnStart: boolean;
    digest: boolean;
    timeZone: string;
    linkBaseUrl?: string;
  };
  mailcatcher: { smtpPort: number; httpPort: number };
  events: {
    topicArns: string[];
    /** Test-only: a private CA and a local address for SNS certificates (NODE_ENV=test). */
    certTest: { caFile?: string; connectTo?: string };
    softBounceLimit: number;
  };
  unsubscribe?: { secret: string; baseUrl: string };
  webhook?: { url: string; secret: string; retryWindowMs: number; retryInitialMs: number };
}

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

const OLD_DJANGO_FROM = 'noreply@polplana.work';

const list = (v: string | undefined): string[] => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** AWS_SES_REGION_ENDPOINT was a bare host name in the old settings; accept it or a full URL. */
function sesEndpoint(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /^https?:\/\//.test(value) ? value : `https://${value}`;
}

export function loadEnv(source: Record<string, string | undefined> = process.env): Config {
  // `PORT=` in a .env file, or compose's `${PORT}` when unset, means "use the default", never 0.
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (!validTimeZone(e.REMINDER_TIME_ZONE)) problems.push('REMINDER_TIME_ZONE: must be an IANA time zone such as Europe/Paris');
  if (e.AWS_ACCESS_KEY_ID && !e.AWS_SECRET_ACCESS_KEY) problems.push('AWS_SECRET_ACCESS_KEY: must be set with AWS_ACCESS_KEY_ID');
  if (!!e.TEMPORAL_TLS_CERT_PATH !== !!e.TEMPORAL_TLS_KEY_PATH)
    problems.push('TEMPORAL_TLS_CERT_PATH: must be set together with TEMPORAL_TLS_KEY_PATH');
  // The Flask mailer was SMTP-only and the Django one SES-only: keep each old .env working as it is.
  const provider = e.MAIL_PROVIDER ?? (e.AWS_SES_REGION_ENDPOINT || (e.AWS_ACCESS_KEY_ID && !e.SMTP_SERVER) ? 'ses' : 'smtp');
  const fallback = e.MAIL_FALLBACK_PROVIDER === 'none' ? undefined : e.MAIL_FALLBACK_PROVIDER;
  if (fallback === provider) problems.push(`MAIL_FALLBACK_PROVIDER: must differ from the primary provider (${provider})`);
  if ((e.SNS_CERT_CA_FILE || e.SNS_CERT_CONNECT_TO) && e.NODE_ENV !== 'test')
    problems.push('SNS_CERT_CA_FILE: SNS_CERT_CA_FILE and SNS_CERT_CONNECT_TO are test-only (NODE_ENV=test)');
  if (e.SNS_CERT_CONNECT_TO && !/^[^:\s]+:\d+$/.test(e.SNS_CERT_CONNECT_TO)) problems.push('SNS_CERT_CONNECT_TO: must be host:port');
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) problems.push('WEBHOOK_SECRET: must be set with WEBHOOK_URL');
  if (e.WEBHOOK_SECRET && !/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(e.WEBHOOK_SECRET)) problems.push('WEBHOOK_SECRET: must be whsec_ followed by at least 24 bytes in base64');
  if (e.UNSUBSCRIBE_SECRET && e.UNSUBSCRIBE_SECRET.length < 32) problems.push('UNSUBSCRIBE_SECRET: must be at least 32 characters');
  if (e.UNSUBSCRIBE_SECRET && !e.PUBLIC_BASE_URL) problems.push('PUBLIC_BASE_URL: must be set with UNSUBSCRIBE_SECRET (unsubscribe links point there)');
  if (e.PUBLIC_BASE_URL && !e.PUBLIC_BASE_URL.startsWith('https://')) problems.push('PUBLIC_BASE_URL: must be an https URL (RFC 8058 one-click unsubscribe)');
  if (problems.length) throw new EnvError(problems);

  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    http: { host: e.HOST, port: e.PORT, maxBodyBytes: e.MAX_BODY_BYTES, temporalTimeoutMs: e.TEMPORAL_REQUEST_TIMEOUT },
    security: { apiKeys: list(e.API_KEYS), ratePerMinute: e.RATE_LIMIT_PER_MINUTE, recipientAllowlist: list(e.RECIPIENT_ALLOWLIST) },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls:
        (e.TEMPORAL_TLS_CERT_PATH && e.TEMPORAL_TLS_KEY_PATH) || e.TEMPORAL_TLS_CA_PATH || e.TEMPORAL_TLS_SERVER_NAME
          ? { certPath: e.TEMPORAL_TLS_CERT_PATH, keyPath: e.TEMPORAL_TLS_KEY_PATH, caPath: e.TEMPORAL_TLS_CA_PATH, serverName: e.TEMPORAL_TLS_SERVER_NAME }
          : e.TEMPORAL_TLS || !!e.TEMPORAL_API_KEY,
      cliPath: e.TEMPORAL_CLI_PATH,
      uiPort: e.TEMPORAL_UI_PORT,
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
      workerMetricsPort: e.WORKER_METRICS_PORT,
      workerMemory: { maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS, heapLimitMb: e.WORKER_HEAP_LIMIT_MB },
      maxLocalActivities: e.WORKER_MAX_LOCAL_ACTIVITIES,
    },
    databaseUrl: e.DATABASE_URL,
    sendLedgerRetentionMs: e.SEND_LEDGER_RETENTION,
    dataDir: e.DATA_DIR,
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    mail: {
      provider,
      fallback,
      smtpFrom: e.SENDER_EMAIL ?? e.DEFAULT_FROM_EMAIL ?? OLD_DJANGO_FROM,
      sesFrom: e.DEFAULT_FROM_EMAIL ?? e.SENDER_EMAIL ?? OLD_DJANGO_FROM,
      messageIdDomain: e.MESSAGE_ID_DOMAIN,
      sendRetryWindowMs: e.SEND_RETRY_WINDOW,
      sendMaxAttempts: e.SEND_MAX_ATTEMPTS,
      primaryMaxAttempts: e.SEND_PRIMARY_MAX_ATTEMPTS,
      sendRate: { smtp: e.SMTP_SEND_RATE, ses: e.SES_SEND_RATE },
    },
    smtp: {
      host: e.SMTP_SERVER ?? 'localhost',
      port: e.SMTP_PORT,
      user: e.SMTP_LOGIN,
      password: e.SMTP_PASSWORD,
      poolSize: e.SMTP_POOL_SIZE,
      configured: !!e.SMTP_SERVER,
    },
    ses: {
      region: e.AWS_SES_REGION_NAME,
      endpoint: sesEndpoint(e.AWS_SES_REGION_ENDPOINT),
      credentials:
        e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
          ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, sessionToken: e.AWS_SESSION_TOKEN }
          : undefined,
    },
    gemini: {
      apiKey: e.GEMINI_API_KEY,
      model: e.GEMINI_MODEL,
      baseUrl: e.GEMINI_BASE_URL,
      timeoutMs: e.GEMINI_TIMEOUT,
      maxAttempts: e.GEMINI_MAX_ATTEMPTS,
      logDir: e.GEMINI_LOG_DIR,
    },
    sweep: {
      intervalMs: e.SWEEP_INTERVAL,
      catchupWindowMs: e.SWEEP_CATCHUP_WINDOW,
      windowMs: e.SWEEP_WINDOW,
      pageSize: e.SWEEP_PAGE_SIZE,
      scheduleOnStart: e.SWEEP_SCHEDULE_ON_START,
      digest: e.REMINDER_DIGEST,
      timeZone: e.REMINDER_TIME_ZONE,
      linkBaseUrl: e.REMINDER_LINK_BASE_URL,
    },
    mailcatcher: { smtpPort: e.MAILCATCHER_SMTP_PORT, httpPort: e.MAILCATCHER_HTTP_PORT },
    events: {
      topicArns: list(e.SES_EVENTS_TOPIC_ARNS),
      certTest: { caFile: e.SNS_CERT_CA_FILE, connectTo: e.SNS_CERT_CONNECT_TO },
      softBounceLimit: e.SUPPRESS_AFTER_SOFT_BOUNCES,
    },
    unsubscribe: e.UNSUBSCRIBE_SECRET && e.PUBLIC_BASE_URL ? { secret: e.UNSUBSCRIBE_SECRET, baseUrl: e.PUBLIC_BASE_URL.replace(/\/+$/, '') } : undefined,
    webhook:
      e.WEBHOOK_URL && e.WEBHOOK_SECRET
        ? { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET, retryWindowMs: e.WEBHOOK_RETRY_WINDOW, retryInitialMs: e.WEBHOOK_RETRY_INITIAL }
        : undefined,
  };
}

/**
 * Entry points call this: a bad value stops start-up with a message naming the variable.
 * A `.env` file in the working directory is read first, as both old systems did (python-dotenv);
 * variables already set in the environment win.
 */
export function loadEnvOrExit(): Config {
  try {
    if (existsSync('.env')) process.loadEnvFile('.env');
    return loadEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/** The PATH searched for the `temporal` binary. */
export function systemPath(): string | undefined {
  return process.env.PATH;
}

/** Child processes of `npm run dev` and the tests inherit this environment plus overrides. */
export function childEnv(overrides: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...process.env, ...overrides };
}
