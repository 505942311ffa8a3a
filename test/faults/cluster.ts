// Faults only a real cluster has: its server process killed outright (no graceful shutdown: what a
// crashed machine does; its state is in PostgreSQL), and its own PostgreSQL gone for 30 s.
import type { Cluster } from '../../src/dev/cluster.js';
import type { MailCatcher } from '../../src/mailcatcher/catcher.js';
import type { Row } from './more.js';
import { duringOutage } from './outage.js';
import type { FaultStack } from './stack.js';

export async function temporalKilled(stack: FaultStack, sink: MailCatcher): Promise<Row> {
  const { counted, sent, downMs } = await duringOutage(stack.api, sink, { tag: 'temporal-kill', minDownMs: 5000, down: () => stack.stopTemporal({ kill: true }), up: () => stack.startTemporal() });
  return {
    scenario: 'Temporal server SIGKILL, restarted, during 100 POST /message (cluster)',
    ...counted,
    notes: `down ${(downMs / 1000).toFixed(1)} s including the restart; ${sent.unavailable} answers 503 meanwhile, retried`,
    ok: counted.lost === 0 && counted.accepted === 100 && sent.unavailable > 0,
  };
}

export function temporalStoreDown(cluster: Cluster) {
  return async function temporalStoreDown(stack: FaultStack, sink: MailCatcher): Promise<Row> {
    const { counted, sent, downMs } = await duringOutage(stack.api, sink, { tag: 'temporal-store', minDownMs: 30_000, down: () => cluster.stopDatabase(), up: () => cluster.startDatabase() });
    return {
      scenario: "Temporal's PostgreSQL stopped for 30 s during 100 POST /message (cluster)",
      ...counted,
      notes: `down ${(downMs / 1000).toFixed(1)} s; ${sent.unavailable} answers 503 meanwhile, retried; the server reconnected by itself`,
      ok: counted.lost === 0 && counted.accepted === 100 && sent.unavailable > 0,
    };
  };
}
