import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ExchangeLog } from '../../src/enhance/exchange-log.js';

const exchange = { key: 'message-a/b', attempt: 2, subject: 'S', model: 'm', prompt: 'p', response: 'r', durationMs: 5, outcome: 'ok' as const };

describe('ExchangeLog', () => {
  test('writes one timestamped JSON file per exchange, named after the workflow and attempt', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gemini-log-'));
    const file = await new ExchangeLog(dir).write(exchange);
    assert.ok(file);
    assert.deepEqual(readdirSync(dir), [path.basename(file)]);
    assert.match(path.basename(file), /^gemini_\d{4}-\d{2}-\d{2}T[\d-]+Z_message-a_b_attempt2\.json$/);
    const body = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(body.workflowId, 'message-a/b');
    assert.equal(body.outcome, 'ok');
    assert.equal(body.prompt, 'p');
  });

  test('an unwritable folder is reported, not thrown: the Gemini answer is not lost to a log failure', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'gemini-log-'));
    const notADir = path.join(base, 'file');
    writeFileSync(notADir, 'x');
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args);
    try {
      assert.equal(await new ExchangeLog(path.join(notADir, 'logs')).write(exchange), undefined);
    } finally {
      console.warn = warn;
    }
    assert.equal(warnings.length, 1);
  });
});
