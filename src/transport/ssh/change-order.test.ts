import assert from 'node:assert/strict';
import { it } from 'node:test';
import { changeDependencies } from './change-order.js';

it('unrelated paths are independent; ancestors and same path come first', () => {
  // apply order as planned: deletes deepest first, mkdirs shallowest first, writes, meta
  const paths = ['old/x/f', 'old/x', 'old', 'a', 'a/b', 'a/b/f', 'a/g', 'h', 'h', 'a'];
  assert.deepEqual(changeDependencies(paths), [
    [], // delete old/x/f
    [0], // rmdir old/x waits for its content
    [0, 1], // rmdir old waits for everything below
    [], // mkdir a
    [3], // mkdir a/b after a
    [3, 4], // write a/b/f after both mkdirs
    [3], // write a/g
    [], // write h
    [7], // meta h after write h
    [3, 4, 5, 6], // meta a after everything on and under a
  ]);
});

it('a file replaced by a directory of the same name keeps its order', () => {
  // delete the file "conf", then mkdir "conf", then write inside it
  assert.deepEqual(changeDependencies(['conf', 'conf', 'conf/x']), [[], [0], [1]]);
});

it('prefix names are not ancestors', () => {
  assert.deepEqual(changeDependencies(['ab', 'a', 'a/b', 'abc/d']), [[], [], [1], []]);
});
