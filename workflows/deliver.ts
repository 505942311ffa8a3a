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

/**
 * Sends through the primary provider with Temporal's retries; when a fallback is configured and
 * the primary fails permanently or runs out of attempts, the fallback sends and the result says why.
 */
export async function deliver(plan: DeliveryPlan, email: RenderedEmail, messageKey?: string): Promise<DeliveryResult> {
  const workflowId = workflowInfo().workflowId;
  const messageId = messageIdFor(messageKey ?? workflowId, plan.messageIdDomain);
  const base = { workflowId, messageId, ...email };
  const primaryAttempts = plan.fallback ? plan.primaryMaxAttempts : plan.sendMaxAttempts;
  try {
    const r = await senders(plan, primaryAttempts, plan.primary).sendEmail({ ...base, provider: plan.primary });
    return { provider: r.provider, providerMessageId: r.providerMessageId, messageId, attempts: r.attempt };
  } catch (err) {
    if (!plan.fallback) throw err;
    const failure = rootFailure(err);
    const spent = attemptsOf(err) ?? primaryAttempts;
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
