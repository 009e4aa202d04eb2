// OpenSSH's sftp-server answers ENOSPC, EROFS, EISDIR, EEXIST… all with the same SSH2_FX_FAILURE
// ("Failure"). One or two follow-up requests usually tell which it was, so the user reads
// "write /etc/x: No space left on device" instead of "Failure".
import { SFTP_STATUS, SftpStatusError } from './ssh-errors.js';
import type { SftpSession } from './sftp-session.js';

/** statvfs f_flag bit (SSH2_FXE_STATVFS_ST_RDONLY). */
const ST_RDONLY = 0x1;

/**
 * Returns `err` with a diagnosis when it is a generic FAILURE we can explain; otherwise `err` as is.
 * `dir` is the directory the operation wrote into; `target`, when given, is the final path (a
 * directory there explains a failed rename over it).
 */
export async function diagnoseFailure(
  session: SftpSession,
  err: unknown,
  dir: string,
  target?: string,
): Promise<unknown> {
  if (!(err instanceof SftpStatusError) || err.status !== SFTP_STATUS.FAILURE || err.diagnosis !== undefined)
    return err;
  if (session.dead !== undefined) return err;
  try {
    if (target !== undefined && err.op === 'rename') {
      const st = await session.lstat(target).catch(() => undefined);
      if (st?.isDirectory()) return err.withDiagnosis({ message: 'Is a directory', errno: 'EISDIR' });
    }
    const vfs = await session.statvfs(dir);
    if ((vfs.f_flag & ST_RDONLY) !== 0)
      return err.withDiagnosis({ message: 'Read-only file system', errno: 'EROFS' });
    if (vfs.f_bavail === 0) return err.withDiagnosis({ message: 'No space left on device', errno: 'ENOSPC' });
    if (vfs.f_favail === 0)
      return err.withDiagnosis({ message: 'No space left on device (no free inodes)', errno: 'ENOSPC' });
    const free = vfs.f_bavail * (vfs.f_frsize || vfs.f_bsize);
    return err.withDiagnosis({
      message: `Failure (sftp-server gives no reason; ${dir} is writable with ${formatBytes(free)} free)`,
      errno: 'sftp-failure',
    });
  } catch {
    return err; // the diagnosis is a bonus; never hide the real error behind its own failure
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(n / 1024)} KiB`;
}
