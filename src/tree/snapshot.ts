// Building and comparing Snapshots (path → TreeEntry maps iterated in path order).
import type { Snapshot, TreeEntry } from '../types.js';
import { SortedSnapshot } from './sorted-snapshot.js';
import { comparePaths } from './tree-paths.js';

export const EMPTY_SNAPSHOT: Snapshot = new SortedSnapshot([]);

/**
 * A Snapshot from entries in any order (sorted input, as a full scan gives, is not sorted again);
 * of two entries with the same path the last one wins, as with Map.set.
 */
export function snapshotFromEntries(entries: TreeEntry[]): Snapshot {
  if (isSorted(entries)) return new SortedSnapshot(entries);
  const map = new Map<string, TreeEntry>();
  for (const entry of entries) map.set(entry.path, entry);
  return new SortedSnapshot([...map.values()].sort((a, b) => comparePaths(a.path, b.path)));
}

function isSorted(entries: readonly TreeEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) {
    if ((entries[i - 1] as TreeEntry).path >= (entries[i] as TreeEntry).path) return false;
  }
  return true;
}

/** Same object at the same path: every field a host would notice. */
export function entriesEqual(a: TreeEntry, b: TreeEntry): boolean {
  return (
    a.path === b.path &&
    a.type === b.type &&
    a.mode === b.mode &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.hash === b.hash &&
    a.target === b.target
  );
}

/** Same paths with equal entries, in the same iteration order. */
export function snapshotsEqual(a: Snapshot, b: Snapshot): boolean {
  if (a.size !== b.size) return false;
  const bIter = b.values();
  for (const entry of a.values()) {
    const other = bIter.next();
    if (other.done === true || !entriesEqual(entry, other.value)) return false;
  }
  return true;
}
