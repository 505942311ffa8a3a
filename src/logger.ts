import pino, { type Logger } from 'pino';

/** Structured JSON logs; secrets are redacted by path wherever they could appear. */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['*.password', '*.apiKey', '*.secretAccessKey', '*.authorization', 'req.headers.authorization', 'config.smtp.password'],
      censor: '[redacted]',
    },
  });
}
