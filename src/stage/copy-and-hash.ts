// Copy one source file into the stage, hashing the bytes as they pass (one read of the source).
// The source is opened with O_NOFOLLOW and its metadata comes from fstat on that same descriptor,
// so a file swapped for a symlink is never followed and size/mode/owner/mtime describe the bytes
// copied. (fs.copyFile would follow symlinks by path and need a second read to hash.)
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

const SOURCE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** A file still being written after this many tries is staged as last read. */
const ATTEMPTS = 3;
const CHUNK = 256 * 1024;

export type CopyOutcome =
  | { readonly kind: 'ok'; readonly hash: string; readonly bytes: number; readonly stat: Stats }
  | { readonly kind: 'gone' }
  | { readonly kind: 'unreadable'; readonly message: string };

export async function copyAndHash(source: string, target: string): Promise<CopyOutcome> {
  for (let attempt = 1; ; attempt++) {
    let input: FileHandle;
    try {
      input = await open(source, SOURCE_FLAGS);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ELOOP: now a symlink; ENXIO/EISDIR…: now something else. Either way not this file any more.
      if (
        code === 'ENOENT' ||
        code === 'ENOTDIR' ||
        code === 'ELOOP' ||
        code === 'EISDIR' ||
        code === 'ENXIO'
      ) {
        return { kind: 'gone' };
      }
      return { kind: 'unreadable', message: (error as Error).message };
    }
    try {
      const before = await input.stat();
      if (!before.isFile()) return { kind: 'gone' };
      const { hash, bytes } = await copyContent(input, target);
      const after = await input.stat();
      const stable =
        after.size === before.size &&
        after.mtimeMs === before.mtimeMs &&
        after.ctimeMs === before.ctimeMs &&
        bytes === after.size;
      if (stable || attempt === ATTEMPTS) return { kind: 'ok', hash, bytes, stat: after };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EIO')
        return { kind: 'unreadable', message: (error as Error).message };
      throw error;
    } finally {
      await input.close();
    }
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
