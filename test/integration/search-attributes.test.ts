import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { SEARCH_ATTRIBUTE_NAMES } from '../../src/shared.js';
import { ensureSearchAttributes } from '../../src/search-attributes.js';
import { infra } from '../support/env.js';
import { temporalCli } from '../support/processes.js';

describe('ensureSearchAttributes (worker start-up)', () => {
  test('registers the Mail* keyword attributes in a namespace that lacks them, and is idempotent', async () => {
    const namespace = `sa-${randomUUID().slice(0, 8)}`;
    const created = await temporalCli(['operator', 'namespace', 'create', '--namespace', namespace]);
    assert.equal(created.code, 0, created.out);
    const connection = await Connection.connect({ address: infra.temporalAddress });
    try {
      const before = await connection.operatorService.listSearchAttributes({ namespace });
      assert.ok(SEARCH_ATTRIBUTE_NAMES.every((n) => !before.customAttributes?.[n]), 'a new namespace has none');
      const logger = pino({ level: 'silent' });
      assert.equal(await ensureSearchAttributes(connection, namespace, logger), true);
      assert.equal(await ensureSearchAttributes(connection, namespace, logger), true);
      const after = await connection.operatorService.listSearchAttributes({ namespace });
      for (const n of SEARCH_ATTRIBUTE_NAMES) assert.ok(after.customAttributes?.[n], `${n} registered`);
      assert.equal(await ensureSearchAttributes(connection, 'no-such-namespace', logger), false, 'refused: workflows run untagged');
    } finally {
      await connection.close();
    }
  });
});
