// The one module that reads process.env. Every other module receives a typed Config.
import { existsSync } from 'node:fs';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** "90s", "15m", "1h", "1d" -> milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*(ms|s|m|h|d)$/.exec(text.trim());
  return m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : undefined;
}
const duration = z.string().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 90s, 15m, 1h or 1d' });
    return z.NEVER;
  }
  return ms;
});

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));

const url = z.url({ message: 'must be a URL' });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(0, 65535).default(3000),
  MAX_BODY_BYTES: int(1024, 10 * 1024 * 1024).default(1024 * 1024),
  TEMPORAL_REQUEST_TIMEOUT: duration.default(5_000),
  API_KEYS: optionalText,
  RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(0),
  RECIPIENT_ALLOWLIST: optionalText,

  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('mailer'),
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  TEMPORAL_CLI_PATH: optionalText,
  TEMPORAL_UI_PORT: int(1, 65535).default(8233),
  WORKFLOW_BUNDLE_PATH: optionalText,
  WORKER_METRICS_PORT: int(0, 65535).default(9464),

  DATABASE_URL: optionalText.pipe(z.union([z.undefined(), url])),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_POSTGRES_PORT: int(1, 65535).default(5433),

  MAIL_PROVIDER: z.enum(['smtp', 'ses']).optional(),
  MAIL_FALLBACK_PROVIDER: z.enum(['none', 'smtp', 'ses']).default('none'),
  DEFAULT_FROM_EMAIL: optionalText,
  SENDER_EMAIL: optionalText,
  MESSAGE_ID_DOMAIN: optionalText,
  SEND_RETRY_WINDOW: duration.default(86_400_000),
  SEND_MAX_ATTEMPTS: int(0, 100_000).default(0),
  SEND_PRIMARY_MAX_ATTEMPTS: int(1, 100).default(4),
  SES_SEND_RATE: z.coerce.number({ message: 'must be a number' }).min(0, { message: 'must be at least 0' }).default(0),
  SMTP_SEND_RATE: z.coerce.number({ message: 'must be a number' }).min(0, { message: 'must be at least 0' }).default(0),

  SMTP_SERVER: optionalText,
  SMTP_PORT: int(1, 65535).default(1025),
  SMTP_LOGIN: optionalText,
  SMTP_PASSWORD: optionalText,
  SMTP_POOL_SIZE: int(1, 50).default(5),

  AWS_ACCESS_KEY_ID: optionalText,
  AWS_SECRET_ACCESS_KEY: optionalText,
  AWS_SESSION_TOKEN: optionalText,
  AWS_SES_REGION_NAME: z.string().min(1).default('eu-west-3'),
  AWS_SES_REGION_ENDPOINT: optionalText,

  GEMINI_API_KEY: optionalText,
  GEMINI_MODEL: z.string().min(1).default('gemini-2.5-flash'),
  GEMINI_BASE_URL: optionalText.pipe(z.union([z.undefined(), url])),
  GEMINI_TIMEOUT: duration.default(20_000),
  GEMINI_MAX_ATTEMPTS: int(1, 20).default(3),
  GEMINI_LOG_DIR: z.string().min(1).default('gemini_logs/'),

  SWEEP_INTERVAL: duration.default(3_600_000),
  SWEEP_CATCHUP_WINDOW: duration.default(3_600_000),
  SWEEP_WINDOW: duration.default(86_400_000),
  SWEEP_PAGE_SIZE: int(1, 1000).default(200),
  SWEEP_SCHEDULE_ON_START: bool.default(true),
  REMINDER_DIGEST: bool.default(false),
  REMINDER_TIME_ZONE: z.string().default('UTC'),
  REMINDER_LINK_BASE_URL: optionalText.pipe(z.union([z.undefined(), url])),

  MAILCATCHER_SMTP_PORT: int(1, 65535).default(1025),
  MAILCATCHER_HTTP_PORT: int(1, 65535).default(1080),
});

export type RawEnv = z.infer<typeof schema>;
/** Every variable, in schema order: .env.example mirrors this list (checked by a test). */
export const ENV_VARIABLES = Object.keys(schema.shape);

export interface Config {
  nodeEnv: RawEnv['NODE_ENV'];
  logLevel: RawEnv['LOG_LEVEL'];
  logFormat: RawEnv['LOG_FORMAT'];
  http: { host: string; port: number; maxBodyBytes: number; temporalTimeoutMs: number };
  security: { apiKeys: string[]; ratePerMinute: number; recipientAllowlist: string[] };
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    apiKey?: string;
    tls: boolean | { certPath: string; keyPath: string };
    cliPath?: string;
    uiPort: number;
    /** A prebuilt workflow bundle; without one the worker bundles workflows/ at start-up. */
    workflowBundlePath?: string;
    /** Prometheus endpoint of the worker (Temporal runtime metrics and ours); 0: off. */
    workerMetricsPort: number;
  };
  databaseUrl?: string;
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
  const parsed = schema.safeParse(present);
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
        e.TEMPORAL_TLS_CERT_PATH && e.TEMPORAL_TLS_KEY_PATH
          ? { certPath: e.TEMPORAL_TLS_CERT_PATH, keyPath: e.TEMPORAL_TLS_KEY_PATH }
          : e.TEMPORAL_TLS || !!e.TEMPORAL_API_KEY,
      cliPath: e.TEMPORAL_CLI_PATH,
      uiPort: e.TEMPORAL_UI_PORT,
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
      workerMetricsPort: e.WORKER_METRICS_PORT,
    },
    databaseUrl: e.DATABASE_URL,
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

/** Child processes of `npm run dev` and the tests inherit this environment plus overrides. */
export function childEnv(overrides: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...process.env, ...overrides };
}
