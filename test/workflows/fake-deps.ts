// Activity deps made of test doubles: shared by the workflow tests (harness.ts) and by the history
// recordings (scripts/record-histories), so that both run the activities on the same plan.
import type { ActivityDeps } from '../../activities/index.js';
import type { DeliveryPlan } from '../../src/shared.js';
import { FakeMailer } from './fakes.js';

export const DOMAIN = 'mail.example.test';

type PlanOverrides = Partial<Omit<DeliveryPlan, 'enhancerAvailable'>>;

/** A fake SMTP mailer unless `over` brings its own mailers; `plan` overrides single plan values. */
export function fakeDeps(over: Partial<Omit<ActivityDeps, 'plan'>> = {}, plan: PlanOverrides = {}): ActivityDeps {
  return {
    mailers: { smtp: new FakeMailer('smtp') },
    from: { smtp: 'Mailer <smtp-sender@example.org>', ses: 'ses-sender@example.org' },
    reminders: { timeZone: 'UTC' },
    sweep: { windowMs: 86_400_000, pageSize: 50 },
    ...over,
    plan: {
      primary: 'smtp',
      messageIdDomain: DOMAIN,
      sendRetryWindowMs: 60_000,
      sendMaxAttempts: 3,
      primaryMaxAttempts: 2,
      geminiMaxAttempts: 3,
      geminiTimeoutMs: 5_000,
      ...plan,
    },
  };
}
