import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventStore } from '../db/events.js';
import type { SuppressionStore } from '../db/suppressions.js';

/** SES events by type, suppressions by reason, and the two rates SES puts accounts under review for. */
export function registerDeliveryMetrics(registry: Registry, events: EventStore, suppressions: SuppressionStore) {
  const eventsTotal = new Counter({ name: 'mailer_ses_events_total', help: 'SES events recorded, by type', labelNames: ['type'] as const, registers: [registry] });
  const added = new Counter({ name: 'mailer_suppressions_added_total', help: 'Addresses added to the suppression list, by reason', labelNames: ['reason'] as const, registers: [registry] });
  new Gauge({
    name: 'mailer_suppressions',
    help: 'Addresses on the suppression list, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [reason, n] of Object.entries(await suppressions.countByReason())) this.set({ reason }, n);
    },
  });
  // SES reviews an account above 5 % bounces or 0.1 % complaints (alert well before: 2 % and 0.05 %).
  const rates = { bounce: 'bounced', complaint: 'complained' } as const;
  for (const [kind, key] of Object.entries(rates)) {
    new Gauge({
      name: `mailer_${kind}_rate_24h`,
      help: `Share of emails with events in the last 24 h that ${key === 'bounced' ? 'bounced permanently' : 'drew a complaint'}`,
      registers: [registry],
      async collect() {
        const r = await events.rates24h();
        this.set(r.emails ? r[key] / r.emails : 0);
      },
    });
  }
  return { onEvent: (type: string) => eventsTotal.inc({ type }), onSuppressed: (reason: string) => added.inc({ reason }) };
}
