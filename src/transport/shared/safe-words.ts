// Values that reach a remote command line (pdsh joins its words into one string for the node's
// login shell) or a temp file name. They come from our own code, not from the tree, but they are
// checked anyway so that no future caller can smuggle shell syntax through them.
import { TransportError } from '../../errors.js';

const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const REMOTE_DIR = /^\/[A-Za-z0-9._/-]*$/;

/** A batch id is part of remote paths and temp names: letters, digits, `._:-`, at most 64. */
export function assertSafeBatchId(id: string): void {
  if (!BATCH_ID.test(id)) {
    throw new TransportError(
      `batch id ${JSON.stringify(id)} is not usable in remote file names (want [A-Za-z0-9._:-], at most 64)`,
    );
  }
}

/** Host names reach pdsh's host list and our per-host directories; the hosts layer already checks them. */
export function isSafeHostName(host: string): boolean {
  return HOST_NAME.test(host) && !host.includes('..');
}

/** The remote staging directory is a word of the remote command: an absolute plain path. */
export function normalizeRemoteDir(dir: string): string {
  if (!REMOTE_DIR.test(dir) || dir.split('/').some((part) => part === '..')) {
    throw new TransportError(
      `remote tmp dir ${JSON.stringify(dir)} must be an absolute path of [A-Za-z0-9._/-] without ".."`,
    );
  }
  const trimmed = dir.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
