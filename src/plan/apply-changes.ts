// What a host has after a list of changes all succeeded: the host's next manifest.
import type { Change, Snapshot, TreeEntry } from '../types.js';
import { snapshotFromEntries } from '../tree/snapshot.js';
import { hasAncestorIn } from '../tree/tree-paths.js';

export function applyChanges(have: Snapshot, changes: readonly Change[]): Snapshot {
  // Up to date (the common case of a one-shot run): no copy of a million-entry manifest.
  if (changes.length === 0) return have;
  const result = new Map<string, TreeEntry>(have);
  const deletedDirs: string[] = [];
  for (const change of changes) {
    if (change.op === 'delete') {
      if (result.get(change.path)?.type === 'dir') deletedDirs.push(change.path);
      result.delete(change.path);
      continue;
    }
    if (change.entry === undefined)
      throw new Error(`${change.op} change for ${JSON.stringify(change.path)} has no entry`);
    result.set(change.path, change.entry);
  }
  // A directory that is gone holds nothing. The diff deletes children first; this keeps a
  // hand-made change list from leaving orphans in a manifest.
  const goneDirs = new Set(deletedDirs.filter((dir) => result.get(dir)?.type !== 'dir'));
  if (goneDirs.size > 0) {
    for (const path of [...result.keys()]) if (hasAncestorIn(path, goneDirs)) result.delete(path);
  }
  return snapshotFromEntries([...result.values()]);
}
