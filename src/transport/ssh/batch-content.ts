// Content of a batch's writes, read from the staged copies once per push and shared by every host.
// Small files are held in memory (read and hash-checked once); large ones are streamed per host
// and hash-checked while they stream, so memory stays bounded whatever the batch holds.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Batch, Change } from '../../types.js';
import { ContentMismatchError } from './ssh-errors.js';

export type Content =
  | { readonly kind: 'buffer'; readonly data: Buffer }
  | {
      readonly kind: 'file';
      readonly file: string;
      readonly size: number;
      readonly hash: string | undefined;
    };

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
    const size = (await stat(file)).size;
    const hash = change.entry?.hash;
    if (size > this.limits.cacheFileMax || this.cachedBytes + size > this.limits.cacheTotalMax) {
      return { kind: 'file', file, size, hash };
    }
    this.cachedBytes += size;
    const data = await readFile(file);
    checkHash(change.path, hash, createHash('sha256').update(data).digest('hex'));
    return { kind: 'buffer', data };
  }
}

/** The staged copy must be what the batch promises: never send something else under its name. */
export function checkHash(path: string, expected: string | undefined, actual: string): void {
  if (expected !== undefined && expected !== actual) {
    throw new ContentMismatchError(
      `${path}: staged copy has sha256 ${actual}, the batch expects ${expected}`,
    );
  }
}
