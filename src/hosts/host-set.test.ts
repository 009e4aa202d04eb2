import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { excludeHosts, uniqueHosts } from './host-set.js';

describe('host sets', () => {
  it('uniqueHosts keeps the first occurrence in order', () => {
    assert.deepEqual(uniqueHosts(['b', 'a', 'b', 'c', 'a']), ['b', 'a', 'c']);
  });

  it('excludeHosts removes exact names only and keeps order', () => {
    assert.deepEqual(excludeHosts(['n3', 'n1', 'n10', 'n2'], ['n1', 'absent']), ['n3', 'n10', 'n2']);
    assert.deepEqual(excludeHosts(['n1'], []), ['n1']);
  });
});
