// Full scan of the watch dir: every permitted object as a Snapshot (see scan-session.ts for how).
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { PathMatcher } from '../rules/types.js';
import { ScanSession } from './scan-session.js';
import type { ScanOptions, ScanResult } from './scan-types.js';
import { snapshotFromEntries } from './snapshot.js';
import { StatEngine } from './stat-engine.js';

export async function scanTree(
  root: string,
  matcher: PathMatcher,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const started = performance.now();
  const absRoot = resolve(root);
  const rootDirents = readRoot(root, absRoot);
  const engine = new StatEngine(options.workers !== undefined ? { workers: options.workers } : {});
  try {
    const session = new ScanSession(absRoot, matcher, engine, options.hashCache);
    session.walkDir('', absRoot, rootDirents);
    const snapshot = snapshotFromEntries(await session.finish());
    options.hashCache?.retainOnly((path) => snapshot.get(path)?.type === 'file');
    return {
      snapshot,
      stats: { entries: snapshot.size, ...session.counters, durationMs: performance.now() - started },
      warnings: session.warnings,
    };
  } finally {
    await engine.close();
  }
}

/** The root must be a readable directory (a symlink to one is fine): anything else is a usage error. */
export function readRoot(root: string, absRoot: string): Dirent[] {
  try {
    if (!statSync(absRoot).isDirectory()) throw new UsageError(`watch dir ${root}: not a directory`);
    return readdirSync(absRoot, { withFileTypes: true });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'does not exist' : `cannot be read (${e.code ?? e.message})`;
    throw new UsageError(`watch dir ${root}: ${why}`);
  }
}
