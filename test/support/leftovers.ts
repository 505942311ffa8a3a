import { execFileSync } from 'node:child_process';

/** Processes whose command line names `dir` (the dev server's SQLite file, PostgreSQL's data folder). */
export function processesUsing(dir: string): string {
  try {
    return execFileSync('pgrep', ['-af', dir], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

/** Who listens on a TCP port (for a failure message): `ss`'s line, with the process when it is ours. */
export function listenerOf(port: number): string {
  try {
    return execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' }).trim() || '(nobody listens now)';
  } catch {
    return '(ss is not available)';
  }
}
