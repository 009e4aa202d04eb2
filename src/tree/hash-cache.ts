// Remembers file hashes between scans so that only files that changed are read again. A hash is
// reused when size, mtime, ctime and inode are all unchanged, and only if the file's ctime was
// well before the moment it was hashed: a file written in the same clock tick as our read can
// change without a visible timestamp change ("racily clean", as git says). Times are float ms
// (about 0.25 µs of precision today); bigint ns would cost more and add nothing, since the kernel
// stamps files from a coarse clock (one jiffy) anyway. Only ctime matters for the race: users
// can set mtime (into the future, say), never ctime.
import { readFile } from 'node:fs/promises';
import { atomicWriteFile } from '../ledger/atomic-write-file.js';

export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

/** Kernel file times are coarse (one jiffy) and NFS servers' clocks drift: leave a wide margin. */
export const RACY_MARGIN_MS = 1000;

type CacheRecord = readonly [
  size: number,
  mtimeMs: number,
  ctimeMs: number,
  ino: number,
  hash: string,
  hashedAt: number,
];

/** On disk: a list of [path, ...record] (not an object: a file may be named `__proto__`). */
interface CacheFile {
  readonly version: 1;
  readonly entries: readonly (readonly [string, ...CacheRecord])[];
}

export class HashCache {
  private readonly records = new Map<string, CacheRecord>();
  private changed = false;
  /** Set when load() found an unreadable cache file and started empty (the cache is only an optimisation). */
  loadProblem: string | undefined;

  /** Missing file → empty cache; a corrupt one is ignored (loadProblem says why). */
  static async load(file: string): Promise<HashCache> {
    const cache = new HashCache();
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') cache.loadProblem = `${file}: ${String(error)}`;
      return cache;
    }
    try {
      const parsed = JSON.parse(text) as Partial<CacheFile>;
      if (parsed.version !== 1 || !Array.isArray(parsed.entries))
        throw new Error('not a version 1 hash cache');
      for (const row of parsed.entries as unknown[]) {
        if (!Array.isArray(row) || typeof row[0] !== 'string') continue;
        const record: unknown = row.slice(1);
        if (isRecord(record)) cache.records.set(row[0], record);
      }
    } catch (error) {
      cache.loadProblem = `${file}: ignored, ${error instanceof Error ? error.message : String(error)}`;
    }
    return cache;
  }

  get size(): number {
    return this.records.size;
  }

  lookup(path: string, id: FileIdentity): string | undefined {
    const r = this.records.get(path);
    if (r === undefined) return undefined;
    const [size, mtimeMs, ctimeMs, ino, hash, hashedAt] = r;
    if (size !== id.size || mtimeMs !== id.mtimeMs || ctimeMs !== id.ctimeMs || ino !== id.ino)
      return undefined;
    return ctimeMs + RACY_MARGIN_MS < hashedAt ? hash : undefined;
  }

  /** `hashedAt`: wall-clock ms taken BEFORE the file was stat'ed and read. */
  remember(path: string, id: FileIdentity, hash: string, hashedAt: number): void {
    this.records.set(path, [id.size, id.mtimeMs, id.ctimeMs, id.ino, hash, hashedAt]);
    this.changed = true;
  }

  forget(path: string): void {
    if (this.records.delete(path)) this.changed = true;
  }

  /**
   * After a full scan: keep only the records of `entries` that are files. Walks the records with
   * a Set of file paths only when there are records to drop for (no lookup index on a snapshot).
   */
  retainOnlyFiles(entries: readonly { readonly path: string; readonly type: string }[]): void {
    if (this.records.size === 0) return;
    const files = new Set<string>();
    for (const e of entries) if (e.type === 'file' && this.records.has(e.path)) files.add(e.path);
    if (files.size === this.records.size) return;
    this.retainOnly((path) => files.has(path));
  }

  /** Drop every path `keep` rejects (after a full scan: files no longer in the tree). */
  retainOnly(keep: (path: string) => boolean): void {
    for (const path of this.records.keys()) {
      if (!keep(path)) {
        this.records.delete(path);
        this.changed = true;
      }
    }
  }

  /**
   * save(), for runs that must not stop because of it (a full state dir): the cache only saves
   * reading files again, so a failure is a warning, returned as its text.
   */
  async trySave(file: string): Promise<string | undefined> {
    try {
      await this.save(file);
      return undefined;
    } catch (error) {
      return `cannot save the hash cache ${file} (${(error as Error).message}): unchanged files are hashed again next time`;
    }
  }

  /** Atomic (temp + fsync + rename); a no-op when nothing changed since load/last save. */
  async save(file: string): Promise<void> {
    if (!this.changed) return;
    const entries = [...this.records].map(([path, record]) => [path, ...record] as const);
    const content: CacheFile = { version: 1, entries };
    await atomicWriteFile(file, JSON.stringify(content));
    this.changed = false;
  }
}

function isRecord(value: unknown): value is CacheRecord {
  return (
    Array.isArray(value) &&
    value.length === 6 &&
    value.every((v, i) => (i === 4 ? typeof v === 'string' : typeof v === 'number'))
  );
}
