import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareHostNames } from './compare-host-names.js';

describe('compareHostNames', () => {
  it('orders numbers by value, text by code unit', () => {
    const sorted = ['node10', 'node2', 'login1', 'node1', 'Node3', 'rack10-n1', 'rack2-n10', 'rack2-n9'].sort(
      compareHostNames,
    );
    assert.deepEqual(sorted, [
      'Node3',
      'login1',
      'node1',
      'node2',
      'node10',
      'rack2-n9',
      'rack2-n10',
      'rack10-n1',
    ]);
  });

  it('puts less padding first when values are equal, and is a total order', () => {
    assert.deepEqual(['n001', 'n01', 'n1'].sort(compareHostNames), ['n1', 'n01', 'n001']);
    assert.equal(compareHostNames('n1', 'n1'), 0);
    assert.ok(compareHostNames('n', 'n0') < 0);
    assert.ok(compareHostNames('a1', 'a1b') < 0);
  });

  it('compares numbers longer than a double holds exactly', () => {
    assert.ok(compareHostNames('n12345678901234567890', 'n12345678901234567891') < 0);
    assert.ok(compareHostNames('n99999999999999999999', 'n100000000000000000000') < 0);
  });
});
