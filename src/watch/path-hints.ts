// Builds the hint for a set of touched paths: which of them a writer still has open, and the
// sizes of big files (the batcher queues those separately, so it needs the size with the hint).
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { WatchHints } from './types.js';

export function buildPathHints(
  root: string,
  paths: Set<string>,
  openForWrite: ReadonlySet<string>,
  bigFileThreshold: number,
): WatchHints {
  const open = [...paths].filter((path) => openForWrite.has(path));
  const sizes = bigFileSizes(root, paths, bigFileThreshold);
  return {
    paths,
    fullRescan: false,
    ...(open.length > 0 ? { openForWrite: new Set(open) } : {}),
    ...(sizes.size > 0 ? { sizes } : {}),
  };
}

/** lstat at event time; only files of at least `threshold` bytes are listed (0 = no stat at all). */
function bigFileSizes(root: string, paths: Set<string>, threshold: number): Map<string, number> {
  const sizes = new Map<string, number>();
  if (threshold <= 0) return sizes;
  for (const path of paths) {
    try {
      const stats = lstatSync(join(root, path), { throwIfNoEntry: false });
      if (stats?.isFile() === true && stats.size >= threshold) sizes.set(path, stats.size);
    } catch {
      // unreadable now: the rescan will say why
    }
  }
  return sizes;
}
