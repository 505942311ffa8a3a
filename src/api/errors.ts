import { isGrpcServiceError, ServiceError } from '@temporalio/client';

export interface FieldProblem {
  field: string;
  reason: string;
}

/** Every API error, one shape: { error: { code, message, details?, requestId } }. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function invalid(problems: FieldProblem[]): ApiError {
  const summary = problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
  return new ApiError(400, 'invalid_request', `Invalid request: ${summary}`, problems);
}

/** An Idempotency-Key (or a batch message's idempotency_key) already used for another payload. */
export function idempotencyConflict(): ApiError {
  return new ApiError(409, 'idempotency_conflict', 'This Idempotency-Key was already used for a different request', [
    { field: 'Idempotency-Key', reason: 'was already used for a different request' },
  ]);
}

const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/** True when Temporal could not be reached in time: the API answers 503, never 500. */
export function isTemporalUnavailable(err: unknown): boolean {
  if (err instanceof ApiError) return false;
  // The gRPC status may sit a few causes deep (ServiceError, update errors, ...).
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e)) return e.code === UNAVAILABLE || e.code === DEADLINE_EXCEEDED;
  }
  // The lazy connection's own failure to connect carries no gRPC status.
  const message = (err as Error | undefined)?.message ?? '';
  return err instanceof ServiceError || /failed to connect|connection (refused|closed)|deadline/i.test(message);
}
