import type { ChildProcess } from 'node:child_process';

/**
 * The last lines a child process printed, kept so that its own reason goes with any error about it
 * (a server that exits during start-up says why on its stderr, and nobody reads it otherwise).
 */
export class OutputTail {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly max = 40) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  text(): string {
    return [...this.lines, ...(this.partial.trim() ? [this.partial] : [])].join('\n');
  }

  /** Reads the child's stdout and stderr into the tail, passing each chunk on to `log` as well. */
  follow(child: ChildProcess, log?: (chunk: string) => void): this {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (d: Buffer) => {
        const s = d.toString();
        this.push(s);
        log?.(s);
      });
    }
    return this;
  }
}

/** `what exited with 1` plus the command line and the child's last lines, as one message. */
export function exitMessage(what: string, how: string, command: string[], tail: OutputTail): string {
  const last = tail.text();
  return `${what} ${how}\n  command: ${command.join(' ')}\n  its last output:${last ? '\n' + last.replace(/^/gm, '    ') : ' (nothing)'}`;
}
