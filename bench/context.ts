// What every bench scenario shares: the sink's arrivals, waiting for delivery, bounded concurrency,
// RSS sampling, the email every scenario sends, and the one POST /message the API scenarios make.
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { renderReminder } from '../src/reminders/render.js';
import { messageIdFor, messageWorkflowId } from '../src/shared.js';

export const POOL = 10;
export const DOMAIN = 'bench.local';
export const QUEUE = 'bench';
export const FLOOR_QUEUE = 'bench-floor';
export const STARTS_IN_FLIGHT = 50;

export const log = (line: string) => console.log(`[bench] ${line}`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sink's arrivals: Message-ID to arrival time (ms since the epoch). */
export const arrivals = new Map<string, number>();

/** Resolves when every id has arrived at the sink; shows progress every 2 s. */
export async function delivered(ids: string[], label: string, timeoutMs = 20 * 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let shown = Date.now();
  for (;;) {
    const got = ids.filter((id) => arrivals.has(id)).length;
    if (got === ids.length) return Math.max(...ids.map((id) => arrivals.get(id)!));
    if (Date.now() > deadline) throw new Error(`${label}: ${got} of ${ids.length} delivered in ${timeoutMs} ms`);
    if (Date.now() - shown > 2_000) {
      log(`  ${label}: ${got}/${ids.length} delivered`);
      shown = Date.now();
    }
    await sleep(25);
  }
}

/** Runs `fn` for each index, at most `limit` at once. */
export async function limited(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function sampleRss(children: Record<string, ChildProcess>): { peek(): Record<string, number>; stop(): Record<string, number> } {
  const peak: Record<string, number> = Object.fromEntries(Object.keys(children).map((k) => [k, 0]));
  const timer = setInterval(() => {
    // Read each tick: a scenario may replace a child (a worker restarted after a kill).
    for (const [name, child] of Object.entries(children)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      try {
        const mb = rssMb(child.pid!);
        // NaN: a process already exited (a zombie has no VmRSS line).
        if (Number.isFinite(mb)) peak[name] = Math.max(peak[name]!, mb);
      } catch {
        // exited between the check and the read
      }
    }
  }, 100);
  return {
    peek: () => ({ ...peak }),
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

export const sample = renderReminder(
  { taskId: '1', title: 'Write the benchmark chapter', dueAt: new Date().toISOString(), projectId: '1', projectName: 'Thesis', ownerId: '1', ownerEmail: 'owner@example.com', ownerName: 'Ada' },
  { timeZone: 'UTC' },
);

export async function post(api: string, key: string): Promise<number> {
  const res = await fetch(`${api}/message`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ destinataire: 'owner@example.com', sujet: sample.subject, message: sample.text }),
  });
  await res.arrayBuffer();
  return res.status;
}

export const emailMessageId = (key: string) => messageIdFor(messageWorkflowId(key), DOMAIN);

/** How many times each Message-ID reached the sink: above 1 is a duplicate. */
export const arrivalCounts = new Map<string, number>();

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
