// TreeEntry builders for the snapshot and diff tests: root-owned, fixed times, overridable.
import type { TreeEntry } from '../types.js';

export const file = (path: string, hash = 'h1', extra: Partial<TreeEntry> = {}): TreeEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 1,
  mtimeMs: 1000,
  hash,
  ...extra,
});

export const dir = (path: string, extra: Partial<TreeEntry> = {}): TreeEntry => ({
  path,
  type: 'dir',
  mode: 0o755,
  uid: 0,
  gid: 0,
  size: 0,
  mtimeMs: 0,
  ...extra,
});

export const link = (path: string, target: string): TreeEntry => ({
  path,
  type: 'symlink',
  mode: 0o777,
  uid: 0,
  gid: 0,
  size: 0,
  mtimeMs: 0,
  target,
});
