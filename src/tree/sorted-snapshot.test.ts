import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffSnapshots } from '../plan/diff-snapshots.js';
import { dir } from './entries-for-tests.js';
import { SortedSnapshot } from './sorted-snapshot.js';
import { snapshotFromEntries } from './snapshot.js';

test('a SortedSnapshot behaves as the Map it stands for', () => {
  const entries = [dir('a'), dir('a/b'), dir('a-c')];
  const sorted = new SortedSnapshot(entries);
  const map = new Map(entries.map((e) => [e.path, e]));
  assert.equal(sorted.size, 3);
  assert.deepEqual([...sorted], [...map]);
  assert.deepEqual([...sorted.keys()], [...map.keys()]);
  assert.deepEqual([...sorted.entries()], [...map.entries()]);
  assert.equal(sorted.get('a/b'), map.get('a/b'));
  assert.equal(sorted.has('a/x'), false);
  const seen: string[] = [];
  sorted.forEach((_, key) => seen.push(key));
  assert.deepEqual(seen, ['a', 'a/b', 'a-c']);
});

test('snapshotFromEntries sorts, and the last of two equal paths wins (as Map.set)', () => {
  const first = dir('x');
  const second = { ...dir('x'), mode: 0o700 };
  const snapshot = snapshotFromEntries([dir('y'), first, second]);
  assert.deepEqual([...snapshot.keys()], ['x', 'y']);
  assert.equal(snapshot.get('x'), second);
});

test('the diff gives the same changes for a Map in any order as for the sorted snapshot', () => {
  const have = [dir('b'), dir('a'), dir('c')];
  const want = [dir('c'), dir('d')];
  const fromMaps = diffSnapshots(
    new Map(have.map((e) => [e.path, e])),
    new Map(want.map((e) => [e.path, e])),
    {
      noDelete: false,
    },
  );
  const fromSorted = diffSnapshots(snapshotFromEntries(have), snapshotFromEntries(want), { noDelete: false });
  assert.deepEqual(fromMaps, fromSorted);
  assert.deepEqual(
    fromSorted.map((c) => `${c.op} ${c.path}`),
    ['delete a', 'delete b', 'mkdir d'],
  );
});
