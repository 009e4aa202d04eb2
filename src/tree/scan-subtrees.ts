// Partial rescan for the watcher: only the given paths (and what lies below them) are looked at
// again; the rest of the previous snapshot is kept. The result equals what a full scanTree would
// return at this moment, as long as every changed path was named (property-tested).
import { lstatSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PathMatcher } from '../rules/types.js';
import type { EntryType, Snapshot, TreeEntry } from '../types.js';
import { quoteName } from './name-bytes.js';
import { ScanSession } from './scan-session.js';
import { checkRoot, scanResult } from './scan-tree.js';
import type { ScanOptions, ScanResult } from './scan-types.js';
import { snapshotFromEntries } from './snapshot.js';
import { engineOptions, StatEngine } from './stat-engine.js';
import { ancestorsOf, comparePaths, hasAncestorIn, isBelow, pathDepth } from './tree-paths.js';

export async function scanSubtrees(
  root: string,
  matcher: PathMatcher,
  paths: Iterable<string>,
  previous: Snapshot,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const started = performance.now();
  const absRoot = resolve(root);
  checkRoot(root, absRoot);
  const probe = new PathProbe(absRoot, matcher);
  const targets = collapseTargets([...paths].map((p) => probe.effectiveTarget(checkedPath(p))));

  const engine = new StatEngine(absRoot, engineOptions(options));
  let fresh: TreeEntry[];
  const session = new ScanSession(absRoot, matcher, engine, options.hashCache);
  try {
    for (const target of targets) {
      if (target === '') session.walkRoot();
      else rescanPath(session, probe, target);
    }
    fresh = await session.finish();
  } finally {
    await engine.close();
  }

  const removed = new Set(targets);
  const kept: TreeEntry[] = [];
  for (const entry of previous.values()) {
    if (isCovered(entry.path, removed)) {
      if (entry.type === 'file') options.hashCache?.forget(entry.path);
    } else {
      kept.push(entry);
    }
  }
  const merged = snapshotFromEntries(kept.concat(fresh));
  const snapshot = fixAutoDirs(merged, targets, probe);
  return scanResult(snapshot, session, engine, started);
}

function checkedPath(path: string): string {
  const bad =
    path.startsWith('/') ||
    path.endsWith('/') ||
    path.includes('\0') ||
    path.split('/').some((c) => c === '.' || c === '..' || (c === '' && path !== ''));
  if (bad) throw new Error(`scanSubtrees: ${quoteName(path)} is not a relative tree path`);
  return path;
}

/** Sorted, and without paths that lie below another target (the outer rescan covers them). */
function collapseTargets(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort(comparePaths);
  const out: string[] = [];
  const kept = new Set<string>();
  for (const path of sorted) {
    if (isCovered(path, kept)) continue;
    kept.add(path);
    out.push(path);
  }
  return out;
}

/** True if `path` or one of its ancestors is in `set` ('' in the set covers everything). */
function isCovered(path: string, set: ReadonlySet<string>): boolean {
  return set.has('') || set.has(path) || hasAncestorIn(path, set);
}

function rescanPath(session: ScanSession, probe: PathProbe, path: string): void {
  const type = probe.typeOf(path);
  if (type === undefined) return; // gone (or excluded): removing it was all there was to do
  if (type === 'other') {
    if (probe.matcher.decide(path, 'file').sync)
      session.warnings.push(
        `${quoteName(path)}: skipped, only files, directories and symlinks can be synced`,
      );
    return;
  }
  session.addPath(path, type, probe.matcher.decide(path, type));
}

/** lstat and rule decisions for the paths around the targets, each asked once per call. */
class PathProbe {
  private readonly types = new Map<string, EntryType | 'other' | undefined>();

  constructor(
    private readonly root: string,
    readonly matcher: PathMatcher,
  ) {}

  absolute(path: string): string {
    return this.root === '/' ? `/${path}` : `${this.root}/${path}`;
  }

  typeOf(path: string): EntryType | 'other' | undefined {
    if (this.types.has(path)) return this.types.get(path);
    let st;
    try {
      st = lstatSync(this.absolute(path), { throwIfNoEntry: false });
    } catch {
      st = undefined; // ENOTDIR, EACCES on a parent: not there as far as a scan can tell
    }
    const type =
      st === undefined
        ? undefined
        : st.isFile()
          ? 'file'
          : st.isDirectory()
            ? 'dir'
            : st.isSymbolicLink()
              ? 'symlink'
              : 'other';
    this.types.set(path, type);
    return type;
  }

  /**
   * What to rescan for a reported path: the path itself, or its shallowest ancestor that is no
   * longer a directory (everything below went with it). A path below a directory the rules do
   * not walk is still "rescanned": it is removed and nothing is found.
   */
  effectiveTarget(path: string): string {
    for (const ancestor of ancestorsOf(path)) {
      if (this.typeOf(ancestor) !== 'dir') return ancestor;
      if (!this.matcher.decide(ancestor, 'dir').walk) return ancestor;
    }
    return path;
  }
}

/**
 * Auto-walked directories (walked only because something permitted may lie below) are entries
 * exactly when something below them is. Re-check the ancestors of every rescanned path.
 */
function fixAutoDirs(snapshot: Snapshot, targets: readonly string[], probe: PathProbe): Snapshot {
  const candidates = new Set<string>();
  for (const target of targets) for (const a of ancestorsOf(target)) candidates.add(a);
  if (candidates.size === 0) return snapshot;
  const keys = [...snapshot.keys()];
  let changed = false;
  const result = new Map(snapshot);
  // Deepest first: a stale auto dir below must go before its parent is judged.
  for (const dir of [...candidates].sort((a, b) => pathDepth(b) - pathDepth(a))) {
    const decision = probe.matcher.decide(dir, 'dir');
    if (decision.sync || !decision.walk || decision.autoWalk !== true) continue;
    const wanted = hasEntryBelow(keys, dir, result);
    if (wanted && !result.has(dir)) {
      const entry = autoDirEntry(probe, dir);
      if (entry !== undefined) {
        result.set(dir, entry);
        changed = true;
      }
    } else if (!wanted && result.delete(dir)) {
      changed = true;
    }
  }
  return changed ? snapshotFromEntries([...result.values()]) : snapshot;
}

/** `keys` sorted; entries removed from `live` since are skipped. */
function hasEntryBelow(keys: readonly string[], dir: string, live: ReadonlyMap<string, TreeEntry>): boolean {
  const prefix = `${dir}/`;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < prefix) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < keys.length && isBelow(keys[i] as string, dir); i++)
    if (live.has(keys[i] as string)) return true;
  return false;
}

function autoDirEntry(probe: PathProbe, dir: string): TreeEntry | undefined {
  const st = lstatSync(probe.absolute(dir), { throwIfNoEntry: false });
  if (st === undefined || !st.isDirectory()) return undefined;
  return { path: dir, type: 'dir', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtimeMs: 0 };
}
