import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markdownTable, shown, sideBySide, type Figure } from '../../bench/stats.js';
import { whereMeasured } from '../../bench/report.js';

const ratio = (value: number): Figure => ({ name: 'batch path ÷ L1', value, unit: '', target: { op: '>=', value: 0.7 } });

describe('bench report: a value never reads as the other side of its target', () => {
  it('keeps the usual decimals where rounding agrees with the verdict', () => {
    assert.equal(shown(ratio(0.7812)), '0.78');
    assert.equal(shown({ name: 'rate', value: 1053.4, unit: 'emails/s' }), '1053');
    assert.equal(shown({ name: 'p99', value: 29.71, unit: 'ms', target: { op: '<=', value: 50 } }), '29.7');
  });

  it('adds decimals where the rounded value would meet a target the figure missed, or miss one it met', () => {
    assert.equal(shown(ratio(0.6951)), '0.695');
    assert.equal(shown({ name: 'RSS', value: 400.4, unit: 'MB', target: { op: '<=', value: 400 } }), '400.4');
    assert.equal(shown({ name: 'sweep', value: 0.79998, unit: '', target: { op: '>=', value: 0.8 } }), '0.79998');
  });

  it('uses the same value in the table and in the side-by-side columns', () => {
    assert.match(markdownTable([ratio(0.6951)]), /\| batch path ÷ L1 \| 0\.695 \| ≥ 0\.7 \| missed \|/);
    assert.match(sideBySide([{ title: 'dev', figures: [ratio(0.6951)] }]), /\| 0\.695 \(missed\) \|/);
  });

  it('puts one space between a value and its unit, and none after a value without one', () => {
    const rate: Figure = { name: 'rate', value: 1053.4, unit: 'emails/s' };
    assert.match(markdownTable([rate, ratio(0.78)]), /\| rate \| 1053 emails\/s \| {2}\|[^]*\| 0\.78 \| ≥ 0\.7 \| met \|/);
    assert.doesNotMatch(sideBySide([{ title: 'dev', figures: [rate, ratio(0.78)] }]), / {2}/);
  });
});

describe('bench report: the side-by-side table says where each run was measured', () => {
  const machine = '2 × Example CPU, 24 GB memory, Linux 6.1, Node v20.20.2';
  it('one machine when both runs describe the same one', () => {
    assert.equal(whereMeasured({ machine }, { machine }), 'on the same machine');
  });
  it('names both machines when they differ, instead of claiming one', () => {
    const other = '2 × Other CPU, 24 GB memory, Linux 6.2, Node v20.20.2';
    const text = whereMeasured({ machine }, { machine: other });
    assert.ok(!text.includes('same machine'), text);
    assert.ok(text.includes(`dev server: ${machine}`) && text.includes(`cluster: ${other}`), text);
  });
});
