// mkdir, delete and meta changes over SFTP (docs/transport-contract.md). Ownership and modes are set
// with lsetstat@openssh.com, which never follows a symlink, chown before chmod (chown clears setuid).
import { posix } from 'node:path';
import type { Stats } from 'ssh2';
import type { EntryType, TreeEntry } from '../../types.js';
import { diagnoseFailure } from './diagnose-failure.js';
import { mkdirP } from './remote-dirs.js';
import { settleInOrder } from './remote-write.js';
import { SFTP_STATUS } from './ssh-errors.js';
import { isStatus, type SftpSession } from './sftp-session.js';

/** mkdir: whatever non-directory is at the path goes; the directory gets owner and mode. */
export async function makeRemoteDir(session: SftpSession, path: string, entry: TreeEntry): Promise<void> {
  try {
    // lstat and mkdir travel together: one round trip whether the directory exists or not
    const [st, made] = await Promise.all([
      session.lstat(path).catch((err: unknown) => err),
      session.mkdir(path, 0o700).then(
        () => undefined,
        (err: unknown) => err,
      ),
    ]);
    if (made !== undefined) {
      if (isStats(st) && !st.isDirectory()) {
        await session.unlink(path);
        await session.mkdir(path, 0o700);
      } else if (!isStats(st)) {
        if (!isStatus(made, SFTP_STATUS.NO_SUCH_FILE)) throw made;
        await mkdirP(session, posix.dirname(path)); // fallback: parent missing
        await session.mkdir(path, 0o700);
      }
    }
    // a directory is there now (just made, or lstat said so): plain setstat cannot follow a symlink.
    // It applies mode before owner, so special bits (cleared by chown) get their own request after.
    const mode = entry.mode & 0o7777;
    const owner = { uid: entry.uid, gid: entry.gid };
    if ((mode & 0o7000) === 0) await session.setstat(path, { ...owner, mode });
    else await settleInOrder([session.setstat(path, owner), session.setstat(path, { mode })]);
  } catch (err) {
    throw await diagnoseFailure(session, err, posix.dirname(path));
  }
}

export type DeleteOutcome = 'deleted' | 'absent' | 'kept-non-empty';

/**
 * delete: file/symlink → unlink, directory → rmdir; already gone is success; a directory that still
 * holds files (node-local ones) is left in place and is not a failure.
 */
export async function deleteRemotePath(
  session: SftpSession,
  path: string,
  previousType: EntryType | undefined,
): Promise<DeleteOutcome> {
  try {
    const first = previousType === 'dir' ? session.rmdir(path) : session.unlink(path);
    try {
      await first;
      return 'deleted';
    } catch (err) {
      if (isStatus(err, SFTP_STATUS.NO_SUCH_FILE)) return 'absent';
      if (!isStatus(err, SFTP_STATUS.FAILURE) && !isStatus(err, SFTP_STATUS.PERMISSION_DENIED)) throw err;
    }
    // the node has something else there than the ledger thought, or the directory is not empty
    const st = await session.lstat(path).catch((err: unknown) => {
      if (isStatus(err, SFTP_STATUS.NO_SUCH_FILE)) return undefined;
      throw err;
    });
    if (st === undefined) return 'absent';
    if (!st.isDirectory()) {
      await session.unlink(path);
      return 'deleted';
    }
    try {
      await session.rmdir(path);
      return 'deleted';
    } catch (err) {
      if (isStatus(err, SFTP_STATUS.NO_SUCH_FILE)) return 'absent';
      const entries = await session.readdir(path).catch(() => []);
      if (entries.some((e) => e.filename !== '.' && e.filename !== '..')) return 'kept-non-empty';
      throw err;
    }
  } catch (err) {
    throw await diagnoseFailure(session, err, posix.dirname(path));
  }
}

/** meta: owner always (never following a symlink), mode for files and directories, mtime for files. */
export async function applyRemoteMeta(session: SftpSession, path: string, entry: TreeEntry): Promise<void> {
  const requests = [session.lsetstat(path, { uid: entry.uid, gid: entry.gid })];
  if (entry.type !== 'symlink') requests.push(setModeNoFollow(session, path, entry.mode));
  if (entry.type === 'file') {
    const t = Math.floor(entry.mtimeMs / 1000);
    requests.push(session.lsetstat(path, { atime: t, mtime: t }));
  }
  try {
    await settleInOrder(requests);
  } catch (err) {
    throw await diagnoseFailure(session, err, posix.dirname(path));
  }
}

/**
 * chmod without following a symlink. lsetstat's fchmodat(AT_SYMLINK_NOFOLLOW) fails on glibc < 2.32
 * (RHEL 8) and without /proc; then, once lstat shows no symlink, plain setstat does it.
 */
async function setModeNoFollow(session: SftpSession, path: string, mode: number): Promise<void> {
  try {
    await session.lsetstat(path, { mode: mode & 0o7777 });
  } catch (err) {
    if (!isStatus(err, SFTP_STATUS.FAILURE) && !isStatus(err, SFTP_STATUS.OP_UNSUPPORTED)) throw err;
    const st = await session.lstat(path);
    if (st.isSymbolicLink()) throw err;
    await session.setstat(path, { mode: mode & 0o7777 });
  }
}

function isStats(v: unknown): v is Stats {
  return typeof v === 'object' && v !== null && 'isDirectory' in v;
}
