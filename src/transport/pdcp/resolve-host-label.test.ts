import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeHostLabelResolver } from './resolve-host-label.js';

test('labels map back to the given names: exact, or the short name pdsh prints for a shared domain', () => {
  const resolve = makeHostLabelResolver([
    'node01.hpc.example',
    'node02.hpc.example',
    '10.0.0.7',
    'a.x.org',
    'a.y.org',
    'plain',
  ]);
  assert.equal(resolve('node01'), 'node01.hpc.example');
  assert.equal(resolve('node02.hpc.example'), 'node02.hpc.example');
  assert.equal(resolve('10.0.0.7'), '10.0.0.7');
  assert.equal(resolve('10'), undefined, 'addresses are never shortened');
  assert.equal(resolve('a'), undefined, 'ambiguous short name');
  assert.equal(resolve('plain'), 'plain');
  assert.equal(resolve('other'), undefined);
});
