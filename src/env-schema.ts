// The environment variables the service reads, their types, defaults and rules (zod).
// src/env.ts is the one module that reads process.env and turns these into a Config.
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

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // No default here: unset means json, except under `npm run dev`, which picks pretty.
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
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
  TEMPORAL_TLS_CA_PATH: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  TEMPORAL_CLI_PATH: optionalText,
  TEMPORAL_UI_PORT: int(1, 65535).default(8233),
  WORKFLOW_BUNDLE_PATH: optionalText,
  WORKER_METRICS_PORT: int(0, 65535).default(9464),
  WORKER_MAX_CACHED_WORKFLOWS: int(2, 100_000).default(250),
  WORKER_HEAP_LIMIT_MB: int(0, 65_536).default(0),
  WORKER_MAX_LOCAL_ACTIVITIES: int(1, 10_000).default(10),

  DATABASE_URL: optionalText.pipe(z.union([z.undefined(), url])),
  SEND_LEDGER_RETENTION: duration.default(7 * 86_400_000),
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

  SES_EVENTS_TOPIC_ARNS: optionalText,
  SNS_CERT_CA_FILE: optionalText,
  SNS_CERT_CONNECT_TO: optionalText,
  SUPPRESS_AFTER_SOFT_BOUNCES: int(1, 1000).default(3),
  PUBLIC_BASE_URL: optionalText.pipe(z.union([z.undefined(), url])),
  UNSUBSCRIBE_SECRET: optionalText,
  WEBHOOK_URL: optionalText.pipe(z.union([z.undefined(), url])),
  WEBHOOK_SECRET: optionalText,
  WEBHOOK_RETRY_WINDOW: duration.default(3 * 86_400_000),
  WEBHOOK_RETRY_INITIAL: duration.default(10_000),

  MAILCATCHER_SMTP_PORT: int(1, 65535).default(1025),
  MAILCATCHER_HTTP_PORT: int(1, 65535).default(1080),
});

export type RawEnv = z.infer<typeof envSchema>;
/** Every variable, in schema order: .env.example mirrors this list (checked by a test). */
export const ENV_VARIABLES = Object.keys(envSchema.shape);
