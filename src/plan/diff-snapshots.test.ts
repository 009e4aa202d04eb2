import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dir, file, link } from '../tree/entries-for-tests.js';
import { snapshotFromEntries } from '../tree/snapshot.js';
import { parentPath } from '../tree/tree-paths.js';
import type { Change, EntryType, Snapshot, TreeEntry } from '../types.js';
import { applyChanges } from './apply-changes.js';
import { diffSnapshots } from './diff-snapshots.js';

const snap = (...entries: TreeEntry[]): Snapshot => snapshotFromEntries(entries);
const ops = (changes: readonly Change[]): string[] => changes.map((c) => `${c.op} ${c.path}`);

test('from nothing: mkdirs shallowest first, then writes and symlinks sorted', () => {
  const want = snap(dir('a'), dir('a/b'), file('a/b/c'), link('l', 'a'), file('z'), dir('y'));
  assert.deepEqual(ops(diffSnapshots(new Map(), want, { noDelete: false })), [
    'mkdir a',
    'mkdir y',
    'mkdir a/b',
    'write a/b/c',
    'symlink l',
    'write z',
  ]);
});

test('deletes deepest first and carry the type the host had', () => {
  const have = snap(dir('a'), dir('a/b'), file('a/b/c'), link('a/l', 'x'), file('keep'));
  const changes = diffSnapshots(have, snap(file('keep')), { noDelete: false });
  assert.deepEqual(ops(changes), ['delete a/b/c', 'delete a/b', 'delete a/l', 'delete a']);
  assert.deepEqual(
    changes.map((c) => c.previousType),
    ['file', 'dir', 'symlink', 'dir'],
  );
  assert.deepEqual(diffSnapshots(have, snap(file('keep')), { noDelete: true }), []);
});

test('content, target and metadata changes; directory mtimes are not compared', () => {
  const have = snap(dir('d'), file('f'), file('m'), link('l', 'one'), file('t'));
  const want = snap(
    dir('d', { mode: 0o700, mtimeMs: 5 }),
    file('f', 'h2'),
    file('m', 'h1', { uid: 7, mtimeMs: 2000 }),
    link('l', 'two'),
    file('t', 'h1', { mtimeMs: 3000 }),
  );
  const changes = diffSnapshots(have, want, { noDelete: false });
  assert.deepEqual(ops(changes), ['write f', 'symlink l', 'meta d', 'meta m', 'meta t']);
  assert.deepEqual(changes[2]?.entry, want.get('d'));
  assert.deepEqual(
    diffSnapshots(have, snap(dir('d', { mtimeMs: 99 }), ...[...have.values()].slice(1)), { noDelete: false }),
    [],
  );
});

test('a type change is a delete then a create, even with noDelete (children of a retyped dir go too)', () => {
  const have = snap(dir('x'), file('x/inner'), file('y'), link('z', 't'));
  const want = snap(file('x'), dir('y'), file('y/new'), file('z'));
  for (const noDelete of [false, true]) {
    assert.deepEqual(ops(diffSnapshots(have, want, { noDelete })), [
      'delete x/inner',
      'delete x',
      'delete y',
      'delete z',
      'mkdir y',
      'write x',
      'write y/new',
      'write z',
    ]);
  }
});

test('dirty paths are sent again as if unknown; dirty paths not wanted are deleted', () => {
  const have = snap(dir('d'), file('d/f'), file('same'));
  const want = snap(dir('d'), file('d/f'), file('same'));
  const dirty = new Set(['d', 'd/f', 'ghost', 'same']);
  assert.deepEqual(ops(diffSnapshots(have, want, { noDelete: false, dirty })), [
    'delete ghost',
    'mkdir d',
    'write d/f',
    'write same',
  ]);
  assert.equal(
    diffSnapshots(have, want, { noDelete: false, dirty }).find((c) => c.path === 'ghost')?.previousType,
    undefined,
  );
  assert.deepEqual(ops(diffSnapshots(have, want, { noDelete: true, dirty })), [
    'mkdir d',
    'write d/f',
    'write same',
  ]);
});

test('a file with no known hash on the host is never assumed equal', () => {
  const noHash: TreeEntry = { path: 'f', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtimeMs: 1000 };
  assert.deepEqual(ops(diffSnapshots(snap(noHash), snap(file('f')), { noDelete: false })), ['write f']);
});

// --- properties over random snapshots ---------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A consistent random tree: every entry's parent is a dir entry (or the root). */
function randomSnapshot(rnd: () => number): Snapshot {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const entries = new Map<string, TreeEntry>();
  const dirs = [''];
  const count = Math.floor(rnd() * 25);
  for (let i = 0; i < count; i++) {
    const parent = pick(dirs);
    const path = (parent === '' ? '' : `${parent}/`) + pick(['a', 'b', 'c', 'a-b', 'é']);
    if (entries.has(path)) continue;
    const type = pick<EntryType>(['file', 'file', 'dir', 'dir', 'symlink']);
    const attrs = { mode: pick([0o644, 0o600]), uid: pick([0, 1]), gid: 0 };
    if (type === 'dir') {
      entries.set(path, { path, type, ...attrs, size: 0, mtimeMs: 0 });
      dirs.push(path);
    } else if (type === 'file') {
      entries.set(path, { path, type, ...attrs, size: 1, mtimeMs: pick([1, 2]), hash: pick(['h1', 'h2']) });
    } else {
      entries.set(path, { path, type, ...attrs, size: 0, mtimeMs: 0, target: pick(['t1', 't2']) });
    }
  }
  return snapshotFromEntries([...entries.values()]);
}

/** A strict model of a host applying changes in order, as docs/transport-contract.md says. */
function applyStrictly(have: Snapshot, changes: readonly Change[]): Map<string, EntryType> {
  const host = new Map<string, EntryType>([...have].map(([p, e]) => [p, e.type]));
  const parentIsDir = (path: string): boolean =>
    parentPath(path) === '' || host.get(parentPath(path)) === 'dir';
  for (const c of changes) {
    const here = host.get(c.path);
    if (c.op === 'delete') {
      const hasChildren = [...host.keys()].some((p) => p.startsWith(`${c.path}/`));
      assert.ok(!hasChildren, `delete ${c.path}: directory not empty`);
      host.delete(c.path);
    } else if (c.op === 'meta') {
      assert.equal(here, c.entry?.type, `meta ${c.path}: type on host is ${here}`);
    } else {
      assert.ok(parentIsDir(c.path), `${c.op} ${c.path}: parent missing`);
      if (c.op === 'mkdir') assert.ok(here === undefined || here === 'dir', `mkdir ${c.path} over a ${here}`);
      else assert.notEqual(here, 'dir', `${c.op} ${c.path} over a directory`);
      host.set(c.path, c.entry?.type as EntryType);
    }
  }
  return host;
}

test('property: applyChanges(have, diff(have, want)) == want, and the order is applicable', () => {
  const rnd = mulberry32(12345);
  for (let i = 0; i < 2000; i++) {
    const have = randomSnapshot(rnd);
    const want = rnd() < 0.3 ? have : randomSnapshot(rnd);
    const dirtyPool = [...have.keys(), ...want.keys(), 'zz'];
    const dirty = new Set(dirtyPool.filter(() => rnd() < 0.15));
    const changes = diffSnapshots(have, want, { noDelete: false, dirty });
    const after = applyChanges(have, changes);
    assert.deepEqual([...after.entries()], [...want.entries()], `case ${i}`);
    const host = applyStrictly(have, changes);
    assert.deepEqual([...host.keys()].sort(), [...want.keys()].sort(), `case ${i}: host model`);
    if (dirty.size === 0)
      assert.deepEqual(diffSnapshots(after, want, { noDelete: false }), [], 'a second diff is empty');
  }
});

test('property: with noDelete every wanted path arrives and nothing unwanted is lost needlessly', () => {
  const rnd = mulberry32(777);
  for (let i = 0; i < 2000; i++) {
    const have = randomSnapshot(rnd);
    const want = randomSnapshot(rnd);
    const changes = diffSnapshots(have, want, { noDelete: true });
    const after = applyChanges(have, changes);
    applyStrictly(have, changes);
    for (const [path, entry] of want) assert.deepEqual(after.get(path), entry, `case ${i}: ${path}`);
    for (const [path, entry] of have) {
      if (want.has(path)) continue;
      // Kept, unless it sat below a directory that became something else.
      const retypedAncestor = [...want.values()].some(
        (w) => path.startsWith(`${w.path}/`) && have.get(w.path)?.type === 'dir' && w.type !== 'dir',
      );
      assert.equal(after.has(path), !retypedAncestor, `case ${i}: ${path}`);
      if (!retypedAncestor) assert.deepEqual(after.get(path), entry);
    }
  }
});

test('applyChanges removes what lies below a deleted directory, and needs entries', () => {
  const have = snap(dir('d'), file('d/f'), file('e'));
  assert.deepEqual([...applyChanges(have, [{ path: 'd', op: 'delete', previousType: 'dir' }]).keys()], ['e']);
  assert.throws(() => applyChanges(have, [{ path: 'e', op: 'write' }]), /write change for "e" has no entry/);
});
