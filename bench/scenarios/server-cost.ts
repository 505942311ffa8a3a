// What the Temporal server spends per email: its CPU time over a scenario and the history events of
// the workflows the scenario ran (from describe, on a sample of them).
import type { Client } from '@temporalio/client';

/** The server's CPU time over `fn`; `serverCpuMs` reads its total so far (bench/server.ts). */
export async function withServerCpu<T>(serverCpuMs: () => number, fn: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = serverCpuMs();
  const value = await fn();
  return { value, cpuMs: serverCpuMs() - before };
}

/** Mean history length of these workflows (the first `sample` of them). */
export async function historyEvents(client: Client, workflowIds: string[], sample = 20): Promise<number> {
  const ids = workflowIds.slice(0, sample);
  const lengths = await Promise.all(ids.map(async (id) => (await client.workflow.getHandle(id).describe()).historyLength));
  return lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length);
}
