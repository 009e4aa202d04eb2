import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapshotFromEntries } from '../tree/snapshot.js';
import type { TreeEntry } from '../types.js';
import { decodeManifest, encodeManifest } from './manifest-codec.js';

const entries: TreeEntry[] = [
  {
    path: 'z',
    type: 'file',
    mode: 0o4755,
    uid: 1,
    gid: 2,
    size: 3,
    mtimeMs: 1_700_000_000_123,
    hash: 'ab'.repeat(32),
  },
  { path: 'a dir', type: 'dir', mode: 0o700, uid: 0, gid: 0, size: 0, mtimeMs: 0 },
  {
    path: 'a dir/link\n"quoted"',
    type: 'symlink',
    mode: 0o777,
    uid: 0,
    gid: 0,
    size: 0,
    mtimeMs: 0,
    target: '../z',
  },
];

test('a manifest round-trips and its id depends on content only, not on insertion order', () => {
  const one = encodeManifest(snapshotFromEntries([...entries]));
  const other = encodeManifest(new Map([...entries].reverse().map((e) => [e.path, e])));
  assert.equal(one.id, other.id);
  assert.equal(one.text, other.text);
  assert.match(one.id, /^[0-9a-f]{64}$/);
  const decoded = decodeManifest(one.text);
  assert.deepEqual([...decoded.values()], [...snapshotFromEntries([...entries]).values()]);
  assert.notEqual(encodeManifest(snapshotFromEntries(entries.slice(1))).id, one.id);
});

test('malformed manifests are rejected with the reason', () => {
  assert.throws(() => decodeManifest('{"version":2,"entries":[]}'), /not a version 1 manifest/);
  assert.throws(() => decodeManifest('{"version":1,"entries":[["p","f",1,2,3]]}'), /bad manifest row/);
  assert.throws(() => decodeManifest('{"version":1,"entries":[["p","x",1,2,3]]}'), /bad manifest row/);
});
