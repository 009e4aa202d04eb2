// First contact with a node (the ledger has no record of it: a new node, or a lost state dir):
// before a change is sent, one lstat shows what the node already has there, and what is already as
// wanted is left alone, as rsync's quick check does. Without it, adopting clsync-hpc on nodes that
// are already in sync would rewrite every file on every node once. Like rsync, a file counts as in
// place on size and mtime (whole seconds: SFTP v3's precision), plus mode, owner and group; the
// content is not read back (SFTP has no remote checksum). `--ignore-times` turns the check off.
import type { TreeEntry } from '../../types.js';
import { SFTP_STATUS } from './ssh-errors.js';
import { isStatus, type SftpSession } from './sftp-session.js';

/** What the check reads from an SFTP lstat (ssh2's Stats has these fields). */
export interface RemoteAttributes {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
}

const S_IFMT = 0o170000;
const FORMAT: Record<TreeEntry['type'], number> = { file: 0o100000, dir: 0o040000, symlink: 0o120000 };

/** Pure: does the node's object, as lstat saw it, already match `entry` (a symlink's target aside)? */
export function attributesMatch(remote: RemoteAttributes, entry: TreeEntry): boolean {
  if ((remote.mode & S_IFMT) !== FORMAT[entry.type]) return false;
  if (remote.uid !== entry.uid || remote.gid !== entry.gid) return false;
  // a symlink's own mode bits mean nothing on Linux (always 0777) and are never set
  if (entry.type !== 'symlink' && (remote.mode & 0o7777) !== (entry.mode & 0o7777)) return false;
  if (entry.type !== 'file') return true;
  return remote.size === entry.size && remote.mtime === Math.floor(entry.mtimeMs / 1000);
}

/**
 * True when the node already has `entry` at `path`. Anything else (absent, different, or an lstat
 * that fails for another reason) is false: the change is then applied as usual, and reports its
 * own error if there is one.
 */
export async function alreadyInPlace(session: SftpSession, path: string, entry: TreeEntry): Promise<boolean> {
  let remote: RemoteAttributes;
  try {
    remote = await session.lstat(path);
  } catch (err) {
    if (isStatus(err, SFTP_STATUS.NO_SUCH_FILE) || session.dead === undefined) return false;
    throw err; // the session is gone: the change would fail the same way
  }
  if (!attributesMatch(remote, entry)) return false;
  if (entry.type !== 'symlink') return true;
  try {
    return (await session.readlink(path)) === entry.target;
  } catch (err) {
    if (session.dead !== undefined) throw err;
    return false;
  }
}
