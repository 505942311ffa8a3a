import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { messageIdFor, type DeliveryPlan, type DeliveryResult, type ProviderName, type RenderedEmail } from '../src/shared.js';
import { attemptsOf, rootFailure } from './failures.js';

/** Retries are bounded by time (the retry window), not by a count that an outage could outlast. */
function senders(plan: DeliveryPlan, maximumAttempts: number, provider: ProviderName) {
  return proxyActivities<Activities>({
    // A paced provider's sends wait in their own task queue, rate-limited by the server for all workers.
    taskQueue: plan.sendTaskQueues?.[provider],
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '10 seconds',
    scheduleToCloseTimeout: plan.sendRetryWindowMs,
    // 0 means "no cap but the window"; the SDK spells that as an absent maximumAttempts.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: maximumAttempts || undefined },
  });
}

/** A first attempt already made on the primary (the single path's local activity), and how it failed. */
export interface PriorAttempt {
  error: unknown;
  permanent: boolean;
}

/**
 * Sends through the primary provider with Temporal's retries; when a fallback is configured and
 * the primary fails permanently or runs out of attempts, the fallback sends and the result says why.
 * With `prior`, one primary attempt was already spent: the regular activity makes the rest.
 */
export async function deliver(plan: DeliveryPlan, email: RenderedEmail, messageKey?: string, prior?: PriorAttempt): Promise<DeliveryResult> {
  const workflowId = workflowInfo().workflowId;
  const messageId = messageIdFor(messageKey ?? workflowId, plan.messageIdDomain);
  const base = { workflowId, messageId, ...email };
  const primaryAttempts = plan.fallback ? plan.primaryMaxAttempts : plan.sendMaxAttempts;
  // 0 is "no cap but the window" and stays so; otherwise the prior attempt counts against the cap.
  const left = prior ? (prior.permanent ? -1 : primaryAttempts === 0 ? 0 : primaryAttempts - 1) : primaryAttempts;
  const before = prior ? 1 : 0;
  try {
    if (prior && (left < 0 || (left === 0 && primaryAttempts !== 0))) throw prior.error;
    const r = await senders(plan, left, plan.primary).sendEmail({ ...base, provider: plan.primary });
    return { provider: r.provider, providerMessageId: r.providerMessageId, messageId, attempts: before + r.attempt };
  } catch (err) {
    if (!plan.fallback) {
      if (!prior || err === prior.error) throw err;
      const last = rootFailure(err);
      const attempt = before + (attemptsOf(err) ?? 1);
      throw ApplicationFailure.create({ message: last.message, type: last.type, nonRetryable: true, details: [{ attempt }] });
    }
    const failure = rootFailure(err);
    const spent = err === prior?.error ? before : before + (attemptsOf(err) ?? primaryAttempts);
    const primaryFailure = { provider: plan.primary, error: failure.message, errorType: failure.type };
    try {
      const r = await senders(plan, plan.sendMaxAttempts, plan.fallback).sendEmail({ ...base, provider: plan.fallback });
      return { provider: r.provider, providerMessageId: r.providerMessageId, messageId, attempts: spent + r.attempt, primaryFailure };
    } catch (fallbackErr) {
      // Both failed: the failure counts the attempts of both and keeps the primary's reason.
      const last = rootFailure(fallbackErr);
      const attempt = spent + (attemptsOf(fallbackErr) ?? 1);
      throw ApplicationFailure.create({ message: last.message, type: last.type, nonRetryable: true, details: [{ attempt, primaryFailure }] });
    }
  }
}
