import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';

/** The innermost application failure of an activity or child failure: the message a user needs. */
export function rootFailure(err: unknown): { message: string; type?: string; details?: unknown[] } {
  let e: unknown = err;
  while ((e instanceof ActivityFailure || e instanceof ChildWorkflowFailure) && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure) return { message: e.message, type: e.type ?? undefined, details: e.details as unknown[] | undefined };
  if (e instanceof TemporalFailure) return { message: e.message, type: e.name };
  return { message: e instanceof Error ? e.message : String(e) };
}

export function attemptsOf(err: unknown): number | undefined {
  const first = rootFailure(err).details?.[0] as { attempt?: number } | undefined;
  return typeof first?.attempt === 'number' ? first.attempt : undefined;
}
