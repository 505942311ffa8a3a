import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../src/api/errors.js';
import { parseJson, repeatedKeyAt } from '../../src/api/requests.js';

describe('repeatedKeyAt: the path of a key given twice in one object of a JSON text', () => {
  test('finds it at any depth, by its dotted path (array elements by index)', () => {
    assert.equal(repeatedKeyAt('{"a":1,"a":2}'), 'a');
    assert.equal(repeatedKeyAt('{"a":{},"a":3}'), 'a');
    assert.equal(repeatedKeyAt('{"messages":[{"to":1},{"to":1,"to":2}]}'), 'messages.1.to');
    assert.equal(repeatedKeyAt('{"messages":[{"to":1},{"x":{"y":1,"y":2}}]}'), 'messages.1.x.y');
    assert.equal(repeatedKeyAt('[[],{"a":1},{"a":1,"a":1}]'), '2.a');
    assert.equal(repeatedKeyAt(' { "a" : 1 ,\n "a" : 2 } '), 'a');
  });

  test('compares keys as decoded: an escape spelling the same key is the same key', () => {
    assert.equal(repeatedKeyAt('{"to":1,"t\\u006f":2}'), 'to');
    assert.equal(repeatedKeyAt('{"a\\"b":1,"a\\u0022b":2}'), 'a"b');
  });

  test('finds nothing where every object has distinct keys', () => {
    assert.equal(repeatedKeyAt('{"a":1,"b":2}'), undefined);
    // The same key in different objects, and key-like text inside strings and arrays.
    assert.equal(repeatedKeyAt('{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":"\\"a\\":1,\\"a\\":2"}'), undefined);
    assert.equal(repeatedKeyAt('{"a\\\\":1,"a":2}'), undefined);
    assert.equal(repeatedKeyAt('["a","a",{"a":"a"}]'), undefined);
    assert.equal(repeatedKeyAt('"a"'), undefined);
  });

  test('reads a body of 10 MB of escapes, and one nested 200,000 deep, without overflowing the stack', () => {
    assert.equal(repeatedKeyAt(JSON.stringify({ message: '\n"\\'.repeat(3_000_000), sujet: 'x' })), undefined);
    assert.equal(repeatedKeyAt(JSON.stringify({ message: '\\"'.repeat(2_000_000), message2: 1 }).replace('message2', 'message')), 'message');
    assert.equal(repeatedKeyAt(`{"deep":${'['.repeat(200_000)}{"k":1,"k":2}${']'.repeat(200_000)}}`), `deep${'.0'.repeat(200_000)}.k`);
  });

  test('parseJson answers 400 naming the path: "" for an empty top-level key, at most 200 characters, never half a surrogate pair', () => {
    const fieldOf = (text: string) => {
      try {
        parseJson(text);
      } catch (err) {
        assert.ok(err instanceof ApiError && err.status === 400, String(err));
        return (err.details as { field: string }[])[0]!.field;
      }
      assert.fail(`${text.slice(0, 40)} was accepted`);
    };
    assert.equal(fieldOf('{"":1,"":2}'), '""');
    assert.equal(fieldOf('{"a":{"":1,"":2}}'), 'a.');
    const long = `${'k'.repeat(198)}\ud83d\ude00tail`;
    const field = fieldOf(`{"${long}":{"x":1,"x":2}}`);
    assert.equal(field, `${'k'.repeat(198)}…`);
    assert.equal(fieldOf(`{"${'k'.repeat(300)}":1,"${'k'.repeat(300)}":2}`), `${'k'.repeat(199)}…`);
    assert.deepEqual(parseJson('{"a":1,"b":[1,2]}'), { a: 1, b: [1, 2] });
  });
});
