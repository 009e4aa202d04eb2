import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TreeEntry } from '../../types.js';
import { link as linkEntry } from '../../tree/entries-for-tests.js';
import { attributesMatch, type RemoteAttributes } from './quick-check.js';

const entry: TreeEntry = {
  path: 'shadow',
  type: 'file',
  mode: 0o640,
  uid: 0,
  gid: 42,
  size: 27,
  mtimeMs: 1_700_000_123_456,
};
const remote: RemoteAttributes = { mode: 0o100640, uid: 0, gid: 42, size: 27, mtime: 1_700_000_123 };

it('a file matches on type, size, mtime in whole seconds (SFTP v3), mode, owner and group', () => {
  assert.equal(attributesMatch(remote, entry), true);
  for (const [what, other] of [
    ['size', { size: 28 }],
    ['mtime', { mtime: 1_700_000_124 }],
    ['mode', { mode: 0o100644 }],
    ['setuid bit', { mode: 0o104640 }],
    ['owner', { uid: 1 }],
    ['group', { gid: 0 }],
    ['type', { mode: 0o040640 }],
  ] as const) {
    assert.equal(attributesMatch({ ...remote, ...other }, entry), false, what);
  }
});

it('a symlink matches on type and owner (its mode bits mean nothing); a directory on mode and owner', () => {
  const link = linkEntry('l', 'x');
  assert.equal(attributesMatch({ mode: 0o120755, uid: 0, gid: 0, size: 1, mtime: 5 }, link), true);
  assert.equal(attributesMatch({ mode: 0o120777, uid: 3, gid: 0, size: 1, mtime: 5 }, link), false);
  assert.equal(attributesMatch({ mode: 0o100777, uid: 0, gid: 0, size: 1, mtime: 5 }, link), false);
  const dir: TreeEntry = { path: 'd', type: 'dir', mode: 0o1777, uid: 0, gid: 0, size: 0, mtimeMs: 0 };
  assert.equal(attributesMatch({ mode: 0o041777, uid: 0, gid: 0, size: 4096, mtime: 99 }, dir), true);
  assert.equal(attributesMatch({ mode: 0o040777, uid: 0, gid: 0, size: 4096, mtime: 99 }, dir), false);
});
