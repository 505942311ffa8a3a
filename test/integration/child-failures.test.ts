// A server the stack starts never fails silently: when it cannot start, its own last lines and the
// command line go with the error (npm run dev, the test runner and the bench all print that error).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../src/dev/ports.js';
import { startEmbeddedPostgres } from '../../src/dev/postgres.js';
import { startTemporalDevServer } from '../../src/dev/temporal-server.js';
import { infra } from '../support/env.js';

describe('a child server that fails to start says why', () => {
  let squatter: Server;
  let port: number;
  before(async () => {
    port = await freePort();
    squatter = createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
  });
  after(() => new Promise<void>((r) => squatter.close(() => r())));

  test('the Temporal dev server on a port already taken: its own message, the command line, no hang', async () => {
    const t0 = Date.now();
    await assert.rejects(startTemporalDevServer({ bin: infra.temporalCli, port, headless: true }), (err: Error) => {
      assert.match(err.message, /temporal dev server exited with 1 during start-up/);
      assert.match(err.message, new RegExp(`command: .*start-dev .*--port ${port}`));
      assert.match(err.message, new RegExp(`can't set frontend port ${port}`), 'the server\'s own reason is in the error');
      return true;
    });
    assert.ok(Date.now() - t0 < 30_000, 'it fails at once, not after the start-up timeout');
  });

  test('PostgreSQL on a port already taken: its own message, the command line, no unhandled error', async () => {
    const dir = mkdtempSync(path.join(infra.workDir, 'pg-fail-'));
    chmodSync(dir, 0o755);
    await assert.rejects(startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port, persistent: false, log: () => {} }), (err: Error) => {
      assert.match(err.message, /PostgreSQL (exited with 1|exited during start-up)/);
      assert.match(err.message, new RegExp(`command: .*postgres -D .* -p ${port}`));
      assert.match(err.message, /could not (bind|create listen socket)|Address already in use/i, 'PostgreSQL\'s own reason is in the error');
      return true;
    });
  });
});
