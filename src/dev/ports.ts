import { createServer, Socket } from 'node:net';

export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000);
    s.once('connect', () => done(true));
    s.once('timeout', () => done(false));
    s.once('error', () => done(false));
    s.connect(port, host);
  });
}

export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port, host))) {
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function portOf(address: string): number {
  const m = /:(\d+)$/.exec(address);
  return m ? Number(m[1]) : 7233;
}

/**
 * `count` distinct free ports below Linux's ephemeral range (32768–60999), for listeners that start
 * one after another: a port from freePort() is ephemeral, and while it waits unbound another
 * process's bind(0) or outgoing connection may take it (the Temporal dev server picks its internal
 * ports that way). The stack's own defaults (3000, 7233, 5433, …) are below that range for the same reason.
 */
export async function freeStablePorts(count: number): Promise<number[]> {
  const taken = new Set<number>();
  while (taken.size < count) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (!taken.has(port) && (await isFree(port))) taken.add(port);
  }
  return [...taken];
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
