// Where readdir, lstat and hash jobs run: in this thread while the tree is small (no process or
// worker start-up cost; /etc scans in milliseconds). Once the tree turns out big, directories are
// listed and stat'ed on the addon's threads (native-lister.ts) or, without the addon, by find(1)
// processes (find-lister.ts), and hashing moves to a worker pool.
import { type FoundListing, LIST_IN_THREAD } from './directory-requests.js';
import { FindLister } from './find-lister.js';
import { NativeLister } from './native-lister.js';
import type { BigTreeListerKind } from './scan-types.js';
import { hashFile, hashFileSync, type HashOutcome } from './hash-file.js';
import { listDirectory } from './list-directory.js';
import { lstatJob, type LstatJob } from './lstat-job.js';
import { FIELDS_PER_STAT, type LstatBatch } from './raw-stat.js';
import { defaultPoolSize, type PooledListing, StatPool } from './stat-pool.js';
import { childPath } from './tree-paths.js';

export interface StatEngineOptions {
  /**
   * undefined: start up to 4 workers (one per CPU) once the tree turns out big; 0: never use
   * workers; N > 0: use N workers from the first job on.
   */
  readonly workers?: number;
  /**
   * Entries listed in this thread before the big-tree lister takes over listing (default: 0 with
   * the addon, 20,000 with find(1); 0 = from the first sub-directory on, Infinity = never).
   * workers: 0 means never as well.
   */
  readonly findAfterEntries?: number;
  /** undefined: the addon when it is built, else find(1). */
  readonly bigTreeLister?: BigTreeListerKind;
}

/** The entries of one directory, sorted by name, as the scanner sees them. */
export interface Listing {
  /** Tree paths of the entries. */
  readonly paths: readonly string[];
  /** DirentKind per entry. */
  readonly kinds: Uint8Array;
  readonly undecodable: number;
  /** 'gone' or why the directory cannot be read. */
  readonly problem?: string;
  /** Where the names (or, from find, the stats) live for lstatListed (engine-private). */
  readonly source:
    | PooledListing
    | { readonly dir: string; readonly names: readonly string[] }
    | { readonly found: LstatBatch };
}

/** The engine options a scan's options ask for (exactOptionalPropertyTypes: no undefined keys). */
export function engineOptions(options: {
  readonly workers?: number;
  readonly findAfterEntries?: number;
  readonly bigTreeLister?: BigTreeListerKind;
}): StatEngineOptions {
  return {
    ...(options.workers !== undefined && { workers: options.workers }),
    ...(options.findAfterEntries !== undefined && { findAfterEntries: options.findAfterEntries }),
    ...(options.bigTreeLister !== undefined && { bigTreeLister: options.bigTreeLister }),
  };
}

/** What a scan session needs from an engine (tests give it a scripted one). */
export interface StatBackend {
  list(dir: string, relDir: string): Promise<Listing>;
  lstatListed(listing: Listing, indices: readonly number[]): Promise<LstatBatch>;
  forget(listing: Listing): void;
  lstat(job: LstatJob): Promise<LstatBatch>;
  hash(paths: readonly string[], sizes: readonly number[]): Promise<readonly HashOutcome[]>;
}

function bigTreeLister(root: string, kind: BigTreeListerKind | undefined): BigTreeLister {
  const native = kind === 'find' ? undefined : NativeLister.create(root, defaultPoolSize());
  if (native !== undefined) return native;
  if (kind === 'native') throw new Error('the tree lister addon is not built (npm run build:native)');
  return new FindLister(root, defaultPoolSize());
}

/** What lists a big tree's directories: the addon, or find(1) without it (same answers). */
interface BigTreeLister {
  readonly kind: BigTreeListerKind;
  readonly usable: boolean;
  list(relDir: string): Promise<FoundListing | typeof LIST_IN_THREAD>;
  close(): void;
}

/** Entries listed in this thread before the pool starts (a worker costs ~30 ms to start). */
const POOL_AFTER_ENTRIES = 20_000;
/** Bytes hashed in this thread before the pool starts. */
const POOL_AFTER_BYTES = 64 * 1024 * 1024;
/** Bigger files are hashed with async reads on this thread so the event loop keeps turning. */
const SYNC_HASH_MAX_BYTES = 1024 * 1024;

export class StatEngine implements StatBackend {
  private pool: StatPool | undefined;
  private entriesSeen = 0;
  private hashBytes = 0;
  private readonly poolSize: number;
  private readonly eager: boolean;
  private readonly buffer = Buffer.allocUnsafe(1 << 16);
  private readonly finder: BigTreeLister;
  private readonly findAfter: number;
  /** Set once the big-tree lister has been asked for a directory. */
  private bigTreeListerAsked = false;

  /** `root`: the tree's absolute root (find runs there, so it prints tree paths). */
  constructor(root: string, options: StatEngineOptions = {}) {
    this.poolSize = options.workers ?? defaultPoolSize();
    this.eager = options.workers !== undefined && options.workers > 0;
    this.finder = bigTreeLister(root, options.bigTreeLister);
    // The addon beats this thread from the first directory on (it does not build a Stats per
    // entry; /etc: 8.6 vs 9.2 ms, 30,000 entries: 33 vs 80 ms); a find process only pays off
    // on a tree that has turned out big.
    const findAfterDefault = this.finder.kind === 'native' ? 0 : POOL_AFTER_ENTRIES;
    this.findAfter = options.workers === 0 ? Infinity : (options.findAfterEntries ?? findAfterDefault);
  }

  async list(dir: string, relDir: string): Promise<Listing> {
    if (relDir !== '' && this.entriesSeen >= this.findAfter && this.finder.usable) {
      this.bigTreeListerAsked = true;
      const found = await this.finder.list(relDir);
      if (found !== LIST_IN_THREAD) return this.fromFind(found);
      return this.listInThread(dir, relDir);
    }
    const pool = this.poolFor(this.entriesSeen > POOL_AFTER_ENTRIES);
    if (pool !== undefined) {
      const listing = await pool.list(dir, relDir);
      return { ...listing, source: listing };
    }
    return this.listInThread(dir, relDir);
  }

  private fromFind(found: FoundListing): Listing {
    this.entriesSeen += found.paths.length;
    const { paths, kinds, undecodable, batch } = found;
    return { paths, kinds, undecodable, source: { found: batch } };
  }

  private listInThread(dir: string, relDir: string): Listing {
    const { names, kinds, undecodable, problem } = listDirectory(dir);
    this.entriesSeen += names.length;
    const paths = names.map((name) => childPath(relDir, name));
    return { paths, kinds, undecodable, ...(problem !== undefined && { problem }), source: { dir, names } };
  }

  /** lstat the entries `indices` of a listing; the listing must not be used again afterwards. */
  lstatListed(listing: Listing, indices: readonly number[]): Promise<LstatBatch> {
    const source = listing.source;
    if ('worker' in source) {
      if (this.pool === undefined) throw new Error('scan engine closed');
      return this.pool.lstatListed(source, indices);
    }
    if ('found' in source) return Promise.resolve(pickStats(source.found, indices));
    const names = indices.map((i) => source.names[i] as string);
    return Promise.resolve(lstatJob({ dirs: [source.dir], counts: [names.length], names }));
  }

  /** The listing will not be lstat'ed: let its worker drop the names. */
  forget(listing: Listing): void {
    if ('worker' in listing.source) this.pool?.forget(listing.source);
  }

  lstat(job: LstatJob): Promise<LstatBatch> {
    this.entriesSeen += job.names.length;
    const pool = this.poolFor(this.entriesSeen > POOL_AFTER_ENTRIES);
    return pool !== undefined ? pool.lstat(job) : Promise.resolve(lstatJob(job));
  }

  /** `sizes[i]` = the size lstat saw for `paths[i]` (decides sync vs async reading). */
  async hash(paths: readonly string[], sizes: readonly number[]): Promise<readonly HashOutcome[]> {
    for (const size of sizes) this.hashBytes += size;
    const pool = this.poolFor(this.hashBytes > POOL_AFTER_BYTES);
    if (pool !== undefined) return pool.hash(paths);
    const out: HashOutcome[] = [];
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i] as string;
      out.push(
        (sizes[i] ?? 0) <= SYNC_HASH_MAX_BYTES ? hashFileSync(path, this.buffer) : await hashFile(path),
      );
    }
    return out;
  }

  /** Who listed the big part of the tree (scan statistics). */
  get lister(): 'thread' | BigTreeListerKind {
    return this.bigTreeListerAsked ? this.finder.kind : 'thread';
  }

  async close(): Promise<void> {
    this.finder.close();
    await this.pool?.close();
    this.pool = undefined;
  }

  private poolFor(overThreshold: boolean): StatPool | undefined {
    if (this.pool === undefined && (overThreshold || this.eager) && this.poolSize > 0) {
      this.pool = new StatPool(this.poolSize);
    }
    return this.pool;
  }
}

/** The stats of entries `indices` of a listing find already stat'ed (all of them: no copy). */
function pickStats(batch: LstatBatch, indices: readonly number[]): LstatBatch {
  if (indices.length * FIELDS_PER_STAT === batch.fields.length) return batch;
  const fields = new Float64Array(indices.length * FIELDS_PER_STAT);
  const targets = new Map<number, string>();
  const errors = new Map<number, string>();
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i] as number;
    fields.set(
      batch.fields.subarray(from * FIELDS_PER_STAT, (from + 1) * FIELDS_PER_STAT),
      i * FIELDS_PER_STAT,
    );
    const target = batch.targets.get(from);
    if (target !== undefined) targets.set(i, target);
    const error = batch.errors.get(from);
    if (error !== undefined) errors.set(i, error);
  }
  return { fields, targets, errors };
}
