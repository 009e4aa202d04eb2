// Full scan of the watch dir: every permitted object as a Snapshot (see scan-session.ts for how).
import { closeSync, constants, openSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { PathMatcher } from '../rules/types.js';
import type { Snapshot } from '../types.js';
import { ScanSession } from './scan-session.js';
import { SortedSnapshot } from './sorted-snapshot.js';
import type { ScanOptions, ScanResult } from './scan-types.js';
import { engineOptions, StatEngine } from './stat-engine.js';

export async function scanTree(
  root: string,
  matcher: PathMatcher,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const started = performance.now();
  const absRoot = resolve(root);
  checkRoot(root, absRoot);
  const engine = new StatEngine(absRoot, engineOptions(options));
  try {
    const session = new ScanSession(absRoot, matcher, engine, options.hashCache);
    session.walkRoot();
    // The session hands the entries over in path order: no Map, no sort (see sorted-snapshot.ts).
    const entries = await session.finish();
    const snapshot: Snapshot = new SortedSnapshot(entries);
    options.hashCache?.retainOnlyFiles(entries);
    return scanResult(snapshot, session, engine, started);
  } finally {
    await engine.close();
  }
}

/** What a finished scan (full or partial) returns; `started`: its performance.now() at start. */
export function scanResult(
  snapshot: Snapshot,
  session: ScanSession,
  engine: StatEngine,
  started: number,
): ScanResult {
  return {
    snapshot,
    stats: {
      entries: snapshot.size,
      ...session.counters,
      durationMs: performance.now() - started,
      lister: engine.lister,
    },
    warnings: session.warnings,
  };
}

/** The root must be a readable directory (a symlink to one is fine): anything else is a usage error. */
export function checkRoot(root: string, absRoot: string): void {
  try {
    if (!statSync(absRoot).isDirectory()) throw new UsageError(`watch dir ${root}: not a directory`);
    closeSync(openSync(absRoot, constants.O_RDONLY | constants.O_DIRECTORY));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'does not exist' : `cannot be read (${e.code ?? e.message})`;
    throw new UsageError(`watch dir ${root}: ${why}`);
  }
}
