import { execFileSync } from 'node:child_process';

/** Processes whose command line names `dir` (the dev server's SQLite file, PostgreSQL's data folder). */
export function processesUsing(dir: string): string {
  try {
    return execFileSync('pgrep', ['-af', dir], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}
