import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs (one object per line), or human-readable lines for `npm run dev`.
 * Secrets are redacted by path wherever they could appear.
 */
export function createLogger(level: string, name: string, format: 'json' | 'pretty' = 'json'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['*.password', '*.apiKey', '*.secretAccessKey', '*.authorization', 'req.headers.authorization', 'config.smtp.password'],
      censor: '[redacted]',
    },
    ...(format === 'pretty' ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  });
}
