// `npm run dev` started as a user starts it, from a project folder, in a process group we can stop
// with Ctrl-C (SIGINT to the group), plus the few things tests ask of such a stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { ROOT } from '../../scripts/tools.mjs';
import { freeStablePorts, waitForPort } from '../../src/dev/ports.js';

/** `npm run …` as a user types it, in `cwd`, in a process group of its own. */
export function npm(args: string[], env: Record<string, string>, cwd = ROOT): ChildProcess {
  return spawn('npm', ['run', '--silent', ...args], { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function output(child: ChildProcess): Promise<{ code: number; out: string }> {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d));
  child.stderr?.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? 1, out })));
}

/**
 * Ports of their own for every listener of the stack, as variables of `npm run dev`: below the
 * ephemeral range, as the defaults are, so that nothing else can take one while it waits unbound.
 */
export async function stackPorts(): Promise<Record<string, string>> {
  const [api, temporal, ui, pg, smtp, web, metrics] = (await freeStablePorts(7)).map(String);
  return {
    PORT: api!,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
    TEMPORAL_UI_PORT: ui!,
    EMBEDDED_POSTGRES_PORT: pg!,
    MAILCATCHER_SMTP_PORT: smtp!,
    MAILCATCHER_HTTP_PORT: web!,
    WORKER_METRICS_PORT: metrics!,
  };
}

export class DevStack {
  private child: ChildProcess | undefined;
  private readonly groups: number[] = [];
  log = '';

  constructor(
    readonly env: Record<string, string>,
    private readonly cwd = ROOT,
  ) {}

  get api(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  async start(): Promise<void> {
    const child = npm(['dev'], this.env, this.cwd);
    this.child = child;
    if (child.pid) this.groups.push(child.pid);
    child.stdout?.on('data', (d: Buffer) => (this.log += d));
    child.stderr?.on('data', (d: Buffer) => (this.log += d));
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`npm run dev exited with ${code}`))));
    await Promise.race([waitForPort(Number(this.env.PORT), 180_000), exited]).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.log.slice(-3000)}`);
    });
  }

  /** Ctrl-C: SIGINT to the whole group, as a terminal sends it; resolves when npm has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode !== null || child.signalCode !== null) {
      this.log += `\n[test] npm run dev had already exited (${child.exitCode ?? child.signalCode}) before Ctrl-C\n`;
      return;
    }
    const done = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGINT');
    await done;
  }

  /** For after(): whatever of the stack's process group is still alive is killed, so a failed test cannot hang the run. */
  async stopAndReap(): Promise<void> {
    await this.stop();
    for (const group of this.groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        /* the group is gone: nothing outlived npm */
      }
    }
  }

  async waitSent(id: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 300; i++) {
      const body = (await (await fetch(`${this.api}/message/${id}`)).json()) as Record<string, unknown>;
      if (body.state === 'sent' || body.state === 'failed') return body;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`email ${id} not sent`);
  }

  /** Every email the stack's mail catcher has kept, parsed. */
  caught() {
    const dir = path.join(this.env.DATA_DIR!, 'mail');
    return Promise.all(readdirSync(dir).filter((f) => f.endsWith('.eml')).map(async (f) => simpleParser(readFileSync(path.join(dir, f)))));
  }
}
