// What a scan returns (full or partial).
import type { Snapshot } from '../types.js';
import type { HashCache } from './hash-cache.js';

export interface ScanStats {
  /** Entries in the resulting snapshot. */
  readonly entries: number;
  readonly dirsWalked: number;
  /** Files whose content was read (cache misses). */
  readonly filesHashed: number;
  readonly bytesHashed: number;
  readonly durationMs: number;
  /** Who listed the big part of the tree: this thread alone, the addon, or find(1). */
  readonly lister: 'thread' | BigTreeListerKind;
}

export interface ScanResult {
  readonly snapshot: Snapshot;
  readonly stats: ScanStats;
  /** Things skipped and why (unreadable dirs, non-UTF-8 names, sockets…), one line each. */
  readonly warnings: string[];
}

export type BigTreeListerKind = 'native' | 'find';

export interface ScanOptions {
  /** Reuse hashes of unchanged files (and remember new ones). */
  readonly hashCache?: HashCache;
  /**
   * Worker threads for lstat and hashing. Default: one per CPU (at most 4), started only once the
   * tree turns out big (20,000 entries); 0 = all work on this thread; N > 0 = N workers from the start.
   */
  readonly workers?: number;
  /**
   * Entries listed in this thread before the big-tree lister (the addon, or find(1)) lists and
   * stats the rest (default: 0 with the addon, 20,000 with find(1); 0 = from the first
   * sub-directory on; for tests and benchmarks). Never with workers: 0.
   */
  readonly findAfterEntries?: number;
  /**
   * Which big-tree lister: 'native' (the addon; an error if it is not built), 'find'. Default:
   * the addon when it is built, else find(1). For tests and benchmarks.
   */
  readonly bigTreeLister?: BigTreeListerKind;
}
