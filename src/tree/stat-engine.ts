// Where lstat and hash jobs run: in this thread while the tree is small (no worker start-up cost,
// /etc scans in milliseconds), in a worker pool once the tree turns out big.
import { hashFile, hashFileSync, type HashOutcome } from './hash-file.js';
import { lstatJob, type LstatJob } from './lstat-paths.js';
import type { LstatBatch } from './raw-stat.js';
import { defaultPoolSize, StatPool } from './stat-pool.js';

export interface StatEngineOptions {
  /**
   * undefined: start up to 4 workers (one per CPU) once the tree turns out big; 0: never use
   * workers; N > 0: use N workers from the first job on.
   */
  readonly workers?: number;
}

/** Entries lstat'ed in this thread before the pool starts (a worker costs ~30 ms to start). */
const POOL_AFTER_ENTRIES = 20_000;
/** Bytes hashed in this thread before the pool starts. */
const POOL_AFTER_BYTES = 64 * 1024 * 1024;
/** Bigger files are hashed with async reads on this thread so the event loop keeps turning. */
const SYNC_HASH_MAX_BYTES = 1024 * 1024;

export class StatEngine {
  private pool: StatPool | undefined;
  private lstatCount = 0;
  private hashBytes = 0;
  private readonly poolSize: number;
  private readonly eager: boolean;
  private readonly buffer = Buffer.allocUnsafe(1 << 16);

  constructor(options: StatEngineOptions = {}) {
    this.poolSize = options.workers ?? defaultPoolSize();
    this.eager = options.workers !== undefined && options.workers > 0;
  }

  lstat(job: LstatJob): Promise<LstatBatch> {
    this.lstatCount += job.names.length;
    const pool = this.poolFor(this.lstatCount > POOL_AFTER_ENTRIES);
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
    if (this.pool === undefined && overThreshold && this.poolSize > 0)
      this.pool = new StatPool(this.poolSize);
    return this.pool;
  }
}
