import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coalesce } from '../../src/db/coalesce.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('coalesce: calls that arrive while a statement runs go together in the next one', () => {
  it('runs an idle call at once, then the calls that waited in one statement, each with its own result', async () => {
    const statements: number[][] = [];
    let release: () => void = () => {};
    const run = coalesce(async (keys: number[]) => {
      statements.push(keys);
      if (statements.length === 1) await new Promise<void>((r) => (release = r));
      return keys.map((k) => k * 10);
    });
    const first = run(1);
    await tick();
    assert.deepEqual(statements, [[1]], 'the first call did not wait for anything');
    const later = [run(2), run(3), run(4)];
    await tick();
    assert.equal(statements.length, 1, 'no second statement while the first is in flight');
    release();
    assert.deepEqual(await Promise.all([first, ...later]), [10, 20, 30, 40]);
    assert.deepEqual(statements, [[1], [2, 3, 4]]);
  });

  it('fails only the calls of the statement that failed', async () => {
    let calls = 0;
    const run = coalesce(async (keys: string[]) => {
      calls++;
      if (keys.includes('bad')) throw new Error('statement failed');
      return keys.map((k) => k.toUpperCase());
    });
    const a = run('bad');
    const b = run('ok');
    await assert.rejects(a, /statement failed/);
    assert.equal(await b, 'OK');
    assert.equal(calls, 2);
  });

  it('keeps to maxKeys per statement and inFlight statements at once', async () => {
    const sizes: number[] = [];
    let running = 0;
    let most = 0;
    const run = coalesce(
      async (keys: number[]) => {
        running++;
        most = Math.max(most, running);
        sizes.push(keys.length);
        await tick();
        running--;
        return keys;
      },
      { maxKeys: 3, inFlight: 2 },
    );
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => run(i)));
    assert.deepEqual(all, Array.from({ length: 10 }, (_, i) => i));
    assert.ok(sizes.every((n) => n <= 3), `statement sizes ${sizes}`);
    assert.equal(most, 2);
  });

  it('with `order`, a later call of a key waits for its earlier one; other keys go at once', async () => {
    const statements: string[][] = [];
    const releases: (() => void)[] = [];
    const run = coalesce(
      async (keys: { task: string; n: number }[]) => {
        statements.push(keys.map((k) => `${k.task}${k.n}`));
        await new Promise<void>((r) => releases.push(r));
        return keys.map((k) => k.n);
      },
      { inFlight: 4, order: (k) => k.task },
    );
    const a1 = run({ task: 'a', n: 1 });
    const a2 = run({ task: 'a', n: 2 });
    const b1 = run({ task: 'b', n: 1 });
    await tick();
    assert.deepEqual(statements, [['a1'], ['b1']], 'a2 waits for a1; b1 did not wait for anything');
    const a3 = run({ task: 'a', n: 3 });
    releases[1]!();
    await b1;
    await tick();
    assert.deepEqual(statements.length, 2, 'a2 and a3 still wait: a1 is in flight');
    releases[0]!();
    await a1;
    await tick();
    assert.deepEqual(statements[2], ['a2', 'a3'], 'then the waiting calls of a go together, in order');
    releases[2]!();
    assert.deepEqual(await Promise.all([a2, a3]), [2, 3]);
  });

  it('rejects a statement that answers the wrong number of results', async () => {
    const run = coalesce(async () => [] as number[]);
    await assert.rejects(run(1), /answered 0 results for 1 keys/);
  });
});
