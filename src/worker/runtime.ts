import { Runtime, type LogLevel, type LogMetadata, type Logger as SdkLogger } from '@temporalio/worker';
import type { Logger } from 'pino';

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The SDK's own logs (worker state, workflow and activity logs with their workflowId, runId and
 * activity type) go through pino as structured fields, at the service's LOG_LEVEL.
 */
export function installRuntime(logger: Logger, metricsPort: number): void {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const { error, ...fields } = (meta ?? {}) as LogMetadata & { error?: unknown };
    logger[LEVELS[level]]({ ...fields, ...(error !== undefined ? { err: error } : {}) }, message);
  };
  const sdkLogger: SdkLogger = {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
  Runtime.install({
    logger: sdkLogger,
    // One Prometheus endpoint for the Temporal runtime's metrics and the activities' own counters.
    ...(metricsPort ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${metricsPort}` } } } } : {}),
  });
}
