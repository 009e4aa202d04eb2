import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ancestorsOf, childPath, comparePaths, isBelow, parentPath, pathDepth } from './tree-paths.js';

test('parent, depth, child and ancestors of tree paths', () => {
  assert.equal(parentPath('a/b/c'), 'a/b');
  assert.equal(parentPath('a'), '');
  assert.equal(pathDepth(''), 0);
  assert.equal(pathDepth('a'), 1);
  assert.equal(pathDepth('a/b/c'), 3);
  assert.equal(childPath('', 'x'), 'x');
  assert.equal(childPath('a/b', 'x'), 'a/b/x');
  assert.deepEqual(ancestorsOf('a/b/c'), ['a', 'a/b']);
  assert.deepEqual(ancestorsOf('a'), []);
});

test('isBelow is strict and respects component boundaries', () => {
  assert.equal(isBelow('a/b', 'a'), true);
  assert.equal(isBelow('a', 'a'), false);
  assert.equal(isBelow('ab/c', 'a'), false);
  assert.equal(isBelow('a', ''), true);
  assert.equal(isBelow('', ''), false);
});

test('comparePaths is code-unit order: "a-b" sorts between "a" and "a/b"', () => {
  assert.deepEqual(['a/b', 'a-b', 'a'].sort(comparePaths), ['a', 'a-b', 'a/b']);
});
