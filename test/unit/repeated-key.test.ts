import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { repeatedKeyAt } from '../../src/api/requests.js';

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
});
