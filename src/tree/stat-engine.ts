// Where readdir, lstat and hash jobs run: in this thread while the tree is small (no worker
// start-up cost; /etc scans in milliseconds), in a worker pool once the tree turns out big.
import { hashFile, hashFileSync, type HashOutcome } from './hash-file.js';
import { listDirectory } from './list-directory.js';
import { lstatJob, type LstatJob } from './lstat-job.js';
import type { LstatBatch } from './raw-stat.js';
import { defaultPoolSize, type PooledListing, StatPool } from './stat-pool.js';
import { childPath } from './tree-paths.js';

export interface StatEngineOptions {
  /**
   * undefined: start up to 4 workers (one per CPU) once the tree turns out big; 0: never use
   * workers; N > 0: use N workers from the first job on.
   */
  readonly workers?: number;
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
  /** Where the names live for lstatListed (engine-private). */
  readonly source: PooledListing | { readonly dir: string; readonly names: readonly string[] };
}

/** What a scan session needs from an engine (tests give it a scripted one). */
export interface StatBackend {
  list(dir: string, relDir: string): Promise<Listing>;
  lstatListed(listing: Listing, indices: readonly number[]): Promise<LstatBatch>;
  forget(listing: Listing): void;
  lstat(job: LstatJob): Promise<LstatBatch>;
  hash(paths: readonly string[], sizes: readonly number[]): Promise<readonly HashOutcome[]>;
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

  constructor(options: StatEngineOptions = {}) {
    this.poolSize = options.workers ?? defaultPoolSize();
    this.eager = options.workers !== undefined && options.workers > 0;
  }

  async list(dir: string, relDir: string): Promise<Listing> {
    const pool = this.poolFor(this.entriesSeen > POOL_AFTER_ENTRIES);
    if (pool !== undefined) {
      const listing = await pool.list(dir, relDir);
      return { ...listing, source: listing };
    }
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

  async close(): Promise<void> {
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
