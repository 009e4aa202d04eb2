// What has to happen on a host that has `have` so that it has `want`: a pure diff of two
// Snapshots, in the apply order every transport follows (see Batch in src/types.ts).
import type { Change, EntryType, Snapshot, TreeEntry } from '../types.js';
import { SortedSnapshot } from '../tree/sorted-snapshot.js';
import { comparePaths, hasAncestorIn, pathDepth } from '../tree/tree-paths.js';

export interface DiffOptions {
  /** Never delete what the host has and `want` lacks; a path whose type changes is still replaced. */
  readonly noDelete: boolean;
  /** Paths whose state on the host is uncertain (a push was attempted, not confirmed): send again. */
  readonly dirty?: ReadonlySet<string>;
}

export function diffSnapshots(have: Snapshot, want: Snapshot, options: DiffOptions): Change[] {
  const dirty = options.dirty ?? new Set<string>();
  const deletes: Change[] = [];
  const creates: Change[] = [];
  const mkdirs: Change[] = [];
  const metas: Change[] = [];
  /** Directories that become something else: what they hold must go, --no-delete or not. */
  const retypedDirs = new Set<string>();
  /** With --no-delete: what the host has and `want` lacks (kept unless below a retyped dir). */
  const haveOnly: TreeEntry[] = [];
  const dirtySeen = new Set<string>();

  // Both snapshots iterate in path order (see Snapshot): one merge pass, no lookups, so a
  // snapshot without a lookup index (SortedSnapshot) never builds one here.
  const olds = inOrder(have);
  const nexts = inOrder(want);
  let i = 0;
  let j = 0;
  while (i < olds.length || j < nexts.length) {
    const old = olds[i];
    const next = nexts[j];
    const order = old === undefined ? 1 : next === undefined ? -1 : comparePaths(old.path, next.path);
    const path = order < 0 ? (old as TreeEntry).path : (next as TreeEntry).path;
    const isDirty = dirty.size > 0 && dirty.has(path);
    if (isDirty) dirtySeen.add(path);
    if (order < 0) {
      i++;
      if (!options.noDelete) deletes.push(deleteOf(path, (old as TreeEntry).type));
      else haveOnly.push(old as TreeEntry);
      continue;
    }
    j++;
    if (order > 0 || old === undefined) {
      const added = next as TreeEntry;
      (added.type === 'dir' ? mkdirs : creates).push(createOf(added));
      continue;
    }
    i++;
    const wanted = next as TreeEntry;
    if (wanted.type !== old.type) {
      deletes.push(deleteOf(path, old.type));
      if (old.type === 'dir') retypedDirs.add(path);
    }
    if (old.type !== wanted.type || isDirty) {
      (wanted.type === 'dir' ? mkdirs : creates).push(createOf(wanted));
    } else if (contentDiffers(old, wanted)) {
      creates.push(createOf(wanted));
    } else if (metaDiffers(old, wanted)) {
      metas.push({ path, op: 'meta', entry: wanted });
    }
  }
  if (options.noDelete && retypedDirs.size > 0) {
    for (const old of haveOnly)
      if (hasAncestorIn(old.path, retypedDirs)) deletes.push(deleteOf(old.path, old.type));
  }
  if (!options.noDelete) {
    // Dirty paths the ledger never saw arrive: a half-done push may have created them.
    for (const path of dirty) if (!dirtySeen.has(path)) deletes.push({ path, op: 'delete' });
  }

  deletes.sort((a, b) => pathDepth(b.path) - pathDepth(a.path) || comparePaths(a.path, b.path));
  mkdirs.sort((a, b) => pathDepth(a.path) - pathDepth(b.path) || comparePaths(a.path, b.path));
  creates.sort(byPath);
  metas.sort(byPath);
  return [...deletes, ...mkdirs, ...creates, ...metas];
}

/** The entries in path order: a SortedSnapshot's own list, else sorted (a hand-made Map may not be). */
function inOrder(snapshot: Snapshot): readonly TreeEntry[] {
  if (snapshot instanceof SortedSnapshot) return snapshot.list;
  const entries = [...snapshot.values()];
  for (let k = 1; k < entries.length; k++) {
    if ((entries[k - 1] as TreeEntry).path >= (entries[k] as TreeEntry).path)
      return entries.sort((a, b) => comparePaths(a.path, b.path));
  }
  return entries;
}

function byPath(a: Change, b: Change): number {
  return comparePaths(a.path, b.path);
}

function deleteOf(path: string, previousType: EntryType): Change {
  return { path, op: 'delete', previousType };
}

function createOf(entry: TreeEntry): Change {
  const op = entry.type === 'dir' ? 'mkdir' : entry.type === 'symlink' ? 'symlink' : 'write';
  return { path: entry.path, op, entry };
}

/** Same type assumed. A file without a known hash is never assumed equal. */
function contentDiffers(old: TreeEntry, next: TreeEntry): boolean {
  if (next.type === 'file') return old.hash === undefined || old.hash !== next.hash;
  if (next.type === 'symlink') return old.target !== next.target;
  return false;
}

/** Directories: mtime is not compared (it changes whenever their content does). */
function metaDiffers(old: TreeEntry, next: TreeEntry): boolean {
  if (old.mode !== next.mode || old.uid !== next.uid || old.gid !== next.gid) return true;
  return next.type === 'file' && old.mtimeMs !== next.mtimeMs;
}
