// What has to happen on a host that has `have` so that it has `want`: a pure diff of two
// Snapshots, in the apply order every transport follows (see Batch in src/types.ts).
import type { Change, EntryType, Snapshot, TreeEntry } from '../types.js';
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

  for (const [path, old] of have) {
    const next = want.get(path);
    if (next === undefined) {
      if (!options.noDelete) deletes.push(deleteOf(path, old.type));
    } else if (next.type !== old.type) {
      deletes.push(deleteOf(path, old.type));
      if (old.type === 'dir') retypedDirs.add(path);
    }
  }
  if (options.noDelete && retypedDirs.size > 0) {
    for (const [path, old] of have) {
      if (!want.has(path) && hasAncestorIn(path, retypedDirs)) deletes.push(deleteOf(path, old.type));
    }
  }
  if (!options.noDelete) {
    // Dirty paths the ledger never saw arrive: a half-done push may have created them.
    for (const path of dirty) if (!want.has(path) && !have.has(path)) deletes.push({ path, op: 'delete' });
  }

  for (const [path, next] of want) {
    const old = have.get(path);
    if (old === undefined || old.type !== next.type || dirty.has(path)) {
      (next.type === 'dir' ? mkdirs : creates).push(createOf(next));
    } else if (contentDiffers(old, next)) {
      creates.push(createOf(next));
    } else if (metaDiffers(old, next)) {
      metas.push({ path, op: 'meta', entry: next });
    }
  }

  deletes.sort((a, b) => pathDepth(b.path) - pathDepth(a.path) || comparePaths(a.path, b.path));
  mkdirs.sort((a, b) => pathDepth(a.path) - pathDepth(b.path) || comparePaths(a.path, b.path));
  creates.sort(byPath);
  metas.sort(byPath);
  return [...deletes, ...mkdirs, ...creates, ...metas];
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
