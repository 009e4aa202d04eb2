// Copy one source file into the stage, hashing the bytes as they pass (one read of the source).
// The source is opened with O_NOFOLLOW and its metadata comes from fstat on that same descriptor,
// so a file swapped for a symlink is never followed and size/mode/owner/mtime describe the bytes
// copied. (fs.copyFile would follow symlinks by path and need a second read to hash.)
// Small files (all of a usual /etc) are read with synchronous calls: a copy is 9 file system
// calls, and each thread-pool round trip costs more CPU than the call itself. During a push the
// staging shares this thread with the ssh handshakes, and as 450 awaited calls for 50 files it
// kept the push waiting 60 to 140 ms past the handshakes; copied in one go it takes a few ms.
// They may also be frozen in memory instead of a file: creating and removing 50 files in the state
// dir cost 40 ms of a 50-file push on this VM's disk.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

const SOURCE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** A file still being written after this many tries is staged as last read. */
const ATTEMPTS = 3;
const CHUNK = 256 * 1024;
/** Files the scan saw at most this big are copied with synchronous calls (they take microseconds). */
export const SYNC_COPY_MAX = 256 * 1024;

export type CopyOutcome =
  | {
      readonly kind: 'ok';
      readonly hash: string;
      readonly bytes: number;
      readonly stat: Stats;
      /** The content, when it was frozen in memory (nothing written to the target). */
      readonly data?: Buffer;
    }
  | { readonly kind: 'gone' }
  | { readonly kind: 'unreadable'; readonly message: string };

export interface CopyOptions {
  /** The scan's size: at most SYNC_COPY_MAX picks the synchronous copy. */
  readonly expectedSize?: number;
  /** Keep a file found to be at most SYNC_COPY_MAX in memory (outcome.data) instead of `target`. */
  readonly inMemory?: boolean;
}

/**
 * Copy `source` to `target` (created 0600), or into memory, and hash it. Whatever the scan said,
 * the whole file as it is now is copied.
 */
export async function copyAndHash(
  source: string,
  target: string,
  options: CopyOptions = {},
): Promise<CopyOutcome> {
  return (options.expectedSize ?? Infinity) <= SYNC_COPY_MAX
    ? copyAndHashSync(source, target, options.inMemory === true)
    : copyAndHashAsync(source, target);
}

async function copyAndHashAsync(source: string, target: string): Promise<CopyOutcome> {
  for (let attempt = 1; ; attempt++) {
    let input: FileHandle;
    try {
      input = await open(source, SOURCE_FLAGS);
    } catch (error) {
      return openFailure(error);
    }
    try {
      const before = await input.stat();
      if (!before.isFile()) return { kind: 'gone' };
      const { hash, bytes } = await copyContent(input, target);
      const after = await input.stat();
      if (isStable(before, after, bytes) || attempt === ATTEMPTS)
        return { kind: 'ok', hash, bytes, stat: after };
    } catch (error) {
      return readFailure(error);
    } finally {
      await input.close();
    }
  }
}

function copyAndHashSync(source: string, target: string, inMemory: boolean): CopyOutcome {
  for (let attempt = 1; ; attempt++) {
    let input: number;
    try {
      input = openSync(source, SOURCE_FLAGS);
    } catch (error) {
      return openFailure(error);
    }
    try {
      const before = fstatSync(input);
      if (!before.isFile()) return { kind: 'gone' };
      const copied =
        inMemory && before.size <= SYNC_COPY_MAX ? readContentSync(input) : copyContentSync(input, target);
      const after = fstatSync(input);
      if (isStable(before, after, copied.bytes) || attempt === ATTEMPTS)
        return { kind: 'ok', ...copied, stat: after };
    } catch (error) {
      return readFailure(error);
    } finally {
      closeSync(input);
    }
  }
}

/** Nothing changed while we copied: these bytes are the file that fstat describes. */
function isStable(before: Stats, after: Stats, bytes: number): boolean {
  return (
    after.size === before.size &&
    after.mtimeMs === before.mtimeMs &&
    after.ctimeMs === before.ctimeMs &&
    bytes === after.size
  );
}

function openFailure(error: unknown): CopyOutcome {
  const code = (error as NodeJS.ErrnoException).code;
  // ELOOP: now a symlink; ENXIO/EISDIR…: now something else. Either way not this file any more.
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR' || code === 'ENXIO') {
    return { kind: 'gone' };
  }
  return { kind: 'unreadable', message: (error as Error).message };
}

function readFailure(error: unknown): CopyOutcome {
  if ((error as NodeJS.ErrnoException).code === 'EIO')
    return { kind: 'unreadable', message: (error as Error).message };
  throw error;
}

let syncBuffer: Buffer | undefined;

/** Read `input` to its end and hash it; `take` sees each chunk (only during the call) and where it goes. */
function hashThroughSync(
  input: number,
  take: (chunk: Buffer, at: number) => void,
): { hash: string; bytes: number } {
  const buffer = (syncBuffer ??= Buffer.allocUnsafe(CHUNK)); // synchronous: one user at a time
  const hash: Hash = createHash('sha256');
  let bytes = 0;
  for (;;) {
    const bytesRead = readSync(input, buffer, 0, CHUNK, bytes);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    take(chunk, bytes);
    bytes += bytesRead;
  }
  return { hash: hash.digest('hex'), bytes };
}

function readContentSync(input: number): { hash: string; bytes: number; data: Buffer } {
  const chunks: Buffer[] = [];
  const read = hashThroughSync(input, (chunk) => chunks.push(Buffer.from(chunk))); // a copy of exactly this size
  const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  return { ...read, data };
}

function copyContentSync(input: number, target: string): { hash: string; bytes: number } {
  const output = openSync(target, 'w', 0o600);
  try {
    return hashThroughSync(input, (chunk, at) => {
      for (let off = 0; off < chunk.length;)
        off += writeSync(output, chunk, off, chunk.length - off, at + off);
    });
  } finally {
    closeSync(output);
  }
}

async function copyContent(input: FileHandle, target: string): Promise<{ hash: string; bytes: number }> {
  const output = await open(target, 'w', 0o600);
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await input.read(buffer, 0, CHUNK, bytes);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      await output.write(buffer, 0, bytesRead, bytes);
      bytes += bytesRead;
    }
    return { hash: hash.digest('hex'), bytes };
  } finally {
    await output.close();
  }
}
