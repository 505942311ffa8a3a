// One Node.js story: the image runs the LTS that CI installs for its second run, CI's third run is the
// newest LTS, and `engines` admits both, 22, and 20.12+ (still working, past end of life), as the README says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NODE_LTS, NODE_NEWEST } from '../../scripts/install-node.mjs';

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');

test('the Dockerfile, CI and engines agree on Node 24 LTS, with 22 and 20.12+ still admitted', () => {
  const major = NODE_LTS.split('.')[0];
  assert.equal(major, '24');
  const from = [...read('Dockerfile').matchAll(/^FROM node:(\d+)-/gm)].map((m) => m[1]);
  assert.deepEqual(from, [major, major], 'both stages run the LTS CI tests with');
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
  assert.equal(engines, '^20.12.0 || ^22.0.0 || >=24.0.0');
  assert.match(read('.ci/run'), /scripts\/install-node\.mjs/);
  assert.match(read('README.md'), new RegExp(`\\| ${major} LTS \\| recommended`));
});

test('CI also runs the suite on the newest LTS, which engines admits and the README lists', () => {
  const major = NODE_NEWEST.split('.')[0]!;
  assert.ok(Number(major) > Number(NODE_LTS.split('.')[0]), 'newer than the production LTS');
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
  const floor = /(?:^|\|\|)\s*>=(\d+)\.\d+\.\d+\s*$/.exec(engines);
  assert.ok(floor && Number(major) >= Number(floor[1]), `engines (${engines}) admits Node ${major}`);
  assert.match(read('.ci/run'), /install-node\.mjs newest/);
  assert.match(read('README.md'), new RegExp(`\\| ${major} LTS \\| supported: CI's third run`));
});
