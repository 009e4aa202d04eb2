// Content of a batch's writes, read from the staged copies once per push and shared by every host
// (small files come already in memory from the staging). Every copy is hash-checked once per
// push; small files are then held in memory, large ones are
// streamed to each host from the staged copy, so memory stays bounded whatever the batch holds.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import type { Batch, Change } from '../../types.js';
import { ContentMismatchError } from './ssh-errors.js';

export type Content =
  | { readonly kind: 'buffer'; readonly data: Buffer }
  /** Too big to hold: streamed to each host from the staged copy (frozen, hash-checked once). */
  | { readonly kind: 'file'; readonly file: string; readonly size: number };

export interface BatchContentLimits {
  /** Files up to this size are cached in memory. */
  readonly cacheFileMax: number;
  /** Total cached bytes per batch; later small files are streamed like large ones. */
  readonly cacheTotalMax: number;
}

export const DEFAULT_CONTENT_LIMITS: BatchContentLimits = {
  cacheFileMax: 1024 * 1024,
  cacheTotalMax: 64 * 1024 * 1024,
};

export class BatchContent {
  private readonly cache = new Map<string, Promise<Content>>();
  private cachedBytes = 0;

  constructor(
    private readonly batch: Batch,
    private readonly limits: BatchContentLimits = DEFAULT_CONTENT_LIMITS,
  ) {}

  get(change: Change): Promise<Content> {
    let p = this.cache.get(change.path);
    if (p === undefined) {
      p = this.load(change);
      this.cache.set(change.path, p);
    }
    return p;
  }

  private async load(change: Change): Promise<Content> {
    const file = this.batch.staged.get(change.path);
    if (file === undefined)
      throw new ContentMismatchError(`${change.path}: no staged copy in batch ${this.batch.id}`);
    const hash = change.entry?.hash;
    if (typeof file !== 'string') {
      // held in memory since staging; checked all the same (a few µs for a small file)
      checkHash(change.path, hash, createHash('sha256').update(file).digest('hex'));
      return { kind: 'buffer', data: file };
    }
    const small = this.readIfSmall(file);
    if (Buffer.isBuffer(small)) {
      checkHash(change.path, hash, createHash('sha256').update(small).digest('hex'));
      return { kind: 'buffer', data: small };
    }
    checkHash(change.path, hash, await hashFile(file));
    return { kind: 'file', file, size: small };
  }

  /**
   * The whole content when it fits the cache, else its size. Synchronous on purpose: staged copies
   * are small and hot in the page cache, and a thread-pool round trip per file cost more CPU than
   * the read itself (measured: ~140 µs against ~15 µs per file).
   */
  private readIfSmall(file: string): Buffer | number {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > this.limits.cacheFileMax || this.cachedBytes + size > this.limits.cacheTotalMax) return size;
      this.cachedBytes += size;
      const data = Buffer.allocUnsafe(size);
      for (let off = 0; off < size;) {
        const n = readSync(fd, data, off, size - off, off);
        if (n === 0) throw new ContentMismatchError(`${file}: staged copy shrank while being read`);
        off += n;
      }
      return data;
    } finally {
      closeSync(fd);
    }
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The staged copy must be what the batch promises: never send something else under its name. */
export function checkHash(path: string, expected: string | undefined, actual: string): void {
  if (expected !== undefined && expected !== actual) {
    throw new ContentMismatchError(
      `${path}: staged copy has sha256 ${actual}, the batch expects ${expected}`,
    );
  }
}
