// Where the embedded PostgreSQL's data goes when we run as root: the server runs as the `postgres`
// user, so its data folder must be reachable by that user; only a folder it cannot reach moves out.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { postgresUser, PostgresSetupError, reachableDataDir, ROOT_RUNTIME_DIR, type RunAs } from '../../src/dev/postgres-access.js';
import { infra } from '../support/env.js';

const asRoot = process.getuid?.() === 0;
const user: RunAs = asRoot ? postgresUser(() => {}) : { uid: process.getuid!(), gid: process.getgid!() };
const quiet = () => {};

describe(`the data folder of the embedded PostgreSQL${asRoot ? ', as root (the server runs as postgres)' : ''}`, () => {
  const open = mkdtempSync(path.join(infra.workDir, 'pg-open-'));
  chmodSync(open, 0o755);
  const closed = mkdtempSync(path.join(infra.workDir, 'pg-closed-')); // 0700, as root's home is
  const made: string[] = [];
  after(() => {
    for (const dir of [...made, open, closed]) rmSync(dir, { recursive: true, force: true });
  });

  test('an empty folder made for it (mode 0700) in a reachable folder is used where it is, owned by the server', () => {
    const dir = mkdtempSync(path.join(open, 'data-'));
    assert.equal(reachableDataDir(user, dir, quiet), dir);
    assert.equal(statSync(dir).uid, user.uid);
  });

  test('a folder that does not exist yet, in a reachable folder, is created there', () => {
    const dir = path.join(open, 'new');
    assert.equal(reachableDataDir(user, dir, quiet), dir);
    assert.ok(statSync(dir).isDirectory());
    assert.equal(statSync(dir).uid, user.uid);
  });

  test('inside a private folder: the data lives outside (as root), the same place on the next start', () => {
    const dir = path.join(closed, 'postgres');
    const said: string[] = [];
    const first = reachableDataDir(user, dir, (m) => said.push(m));
    if (!asRoot) {
      assert.equal(first, dir, 'our own private folder is reachable by ourselves');
      return;
    }
    made.push(first);
    assert.ok(first.startsWith(`${ROOT_RUNTIME_DIR}/data-`), first);
    assert.ok(lstatSync(dir).isSymbolicLink() && readlinkSync(dir) === first, 'the requested path links to it');
    assert.match(said.join('\n'), /cannot reach .*; the PostgreSQL data lives in/);
    assert.equal(reachableDataDir(user, dir, quiet), first, 'a restart finds the same folder');
  });

  test('data already initialised where the server cannot reach it is never moved: a clear error instead', () => {
    const dir = path.join(closed, 'old');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'PG_VERSION'), '18\n');
    if (!asRoot) {
      assert.equal(reachableDataDir(user, dir, quiet), dir);
      return;
    }
    assert.throws(() => reachableDataDir(user, dir, quiet), (err: Error) => err instanceof PostgresSetupError && /cannot reach the PostgreSQL data in .*: move it, or set DATABASE_URL/.test(err.message));
    assert.ok(existsSync(path.join(dir, 'PG_VERSION')), 'left where it was');
  });
});
