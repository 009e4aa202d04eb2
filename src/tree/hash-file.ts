// sha256 of file content. Measured on /etc (330 files, 2 MB): openSync + readSync into one reused
// 64 KiB buffer 4.8 ms, readFileSync 8.5 ms, fs.promises.readFile 17–30 ms, streams (16 at a
// time) 72 ms. So small files are hashed synchronously; big ones asynchronously (see hashFile).
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { errorText, isVanishedError } from './raw-stat.js';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** O_NOFOLLOW: a file swapped for a symlink is not followed; O_NONBLOCK: nor is a FIFO waited on. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export type HashOutcome =
  | { readonly kind: 'ok'; readonly hash: string; readonly bytes: number }
  | { readonly kind: 'gone' }
  | { readonly kind: 'error'; readonly message: string };

const GONE = { kind: 'gone' } as const;

function failure(error: unknown): HashOutcome {
  return isVanishedError(error) ? GONE : { kind: 'error', message: errorText(error) };
}

/** Hash with a caller-owned scratch buffer (one per thread). Not a regular file any more → gone. */
export function hashFileSync(path: string, buffer: Buffer): HashOutcome {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    return failure(error);
  }
  try {
    if (!fstatSync(fd).isFile()) return GONE;
    const hash = createHash('sha256');
    let bytes = 0;
    for (
      let n = readSync(fd, buffer, 0, buffer.length, null);
      n > 0;
      n = readSync(fd, buffer, 0, buffer.length, null)
    ) {
      hash.update(buffer.subarray(0, n));
      bytes += n;
    }
    return { kind: 'ok', hash: hash.digest('hex'), bytes };
  } catch (error) {
    return failure(error);
  } finally {
    closeSync(fd);
  }
}

/** Same, without blocking the event loop for long: for big files on the main thread. */
export async function hashFile(path: string): Promise<HashOutcome> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    return failure(error);
  }
  try {
    if (!(await handle.stat()).isFile()) return GONE;
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1 << 20);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { kind: 'ok', hash: hash.digest('hex'), bytes };
  } catch (error) {
    return failure(error);
  } finally {
    await handle.close();
  }
}
