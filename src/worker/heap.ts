// WORKER_HEAP_LIMIT_MB: V8 reads --max-old-space-size only when the process starts, so the worker
// re-executes itself with it (same process id, so supervisors and signals see one process). Node
// gained process.execve in 22.15; on older versions the limit is left to NODE_OPTIONS, and said so.
import v8 from 'node:v8';
import type { Logger } from 'pino';

type Execve = (file: string, args: string[]) => never;

export function applyHeapLimit(limitMb: number, logger: Logger): void {
  if (!limitMb) return;
  if (process.execArgv.some((a) => a.startsWith('--max-old-space-size'))) return;
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (typeof execve !== 'function') {
    const currentMb = Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
    logger.warn({ limitMb, currentMb, node: process.version }, 'WORKER_HEAP_LIMIT_MB needs Node 22.15 or later; pass --max-old-space-size through NODE_OPTIONS instead');
    return;
  }
  execve.call(process, process.execPath, [process.execPath, `--max-old-space-size=${limitMb}`, ...process.execArgv, ...process.argv.slice(1)]);
}
