import type { StoredEvent } from '../db/events.js';

export type DeliveryStatus = 'unknown' | 'delivered' | 'delayed' | 'bounced' | 'complained' | 'rejected';

export interface Delivery {
  status: DeliveryStatus;
  at?: string;
  events: StoredEvent[];
}

/** The strongest thing known wins: a complaint after a delivery is what the sender must act on. */
const RANK: [DeliveryStatus, (e: StoredEvent) => boolean][] = [
  ['complained', (e) => e.type === 'complaint'],
  ['bounced', (e) => e.type === 'bounce' && e.bounceType === 'Permanent'],
  ['rejected', (e) => e.type === 'reject' || e.type === 'rendering_failure'],
  ['delivered', (e) => e.type === 'delivery'],
  ['delayed', (e) => e.type === 'delivery_delay' || e.type === 'bounce'],
];

export function deliveryOf(events: StoredEvent[]): Delivery {
  for (const [status, test] of RANK) {
    const hit = events.filter(test).at(-1);
    if (hit) return { status, at: hit.at, events };
  }
  return { status: 'unknown', events };
}
