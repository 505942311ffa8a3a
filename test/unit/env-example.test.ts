import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ENV_VARIABLES, loadEnv } from '../../src/env.js';

const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
const entries = [...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!] as const);

describe('.env.example', () => {
  test('lists every variable of the env module, in the same order, each once', () => {
    assert.deepEqual(
      entries.map(([k]) => k),
      ENV_VARIABLES,
    );
  });

  test('every variable has its own comment on the line above (not a section header)', () => {
    const lines = example.split('\n');
    for (const [key] of entries) {
      const above = lines[lines.findIndex((l) => l.startsWith(`${key}=`)) - 1] ?? '';
      assert.ok(above.startsWith('# ') && !above.startsWith('# ---'), `${key} has a comment: ${above}`);
    }
  });

  test('copied as it is to .env, it is a valid configuration', () => {
    const config = loadEnv(Object.fromEntries(entries));
    assert.equal(config.http.port, 3000);
    assert.equal(config.mail.provider, 'smtp');
    assert.equal(config.mail.fallback, undefined);
    assert.equal(config.sweep.intervalMs, 3_600_000);
  });
});
