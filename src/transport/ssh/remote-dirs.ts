// Directory plumbing over SFTP: `mkdir -p` in one round trip, and the temp-name rule every
// transport shares.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { SFTP_STATUS, SftpStatusError } from './ssh-errors.js';
import { diagnoseFailure } from './diagnose-failure.js';
import type { SftpSession } from './sftp-session.js';

/**
 * `.<basename>.clsync-hpc.<tag>` in the target's own directory, so rename(2) stays atomic. A name
 * too long for that within NAME_MAX (255 bytes) gets `.clsync-hpc.<tag>.<hash of the name>`
 * instead, as apply.sh does with its change number.
 */
export function tempPathFor(target: string, tag: string): string {
  const dir = posix.dirname(target);
  const name = posix.basename(target);
  const temp =
    Buffer.byteLength(name) + tag.length + '..clsync-hpc.'.length <= NAME_MAX
      ? `.${name}.clsync-hpc.${tag}`
      : `.clsync-hpc.${tag}.${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
  return `${dir === '/' ? '' : dir}/${temp}`;
}

const NAME_MAX = 255;

/** destDir + '/' + relative path, verbatim (no normalisation: names are delivered as they are). */
export function hostPath(destDir: string, relative: string): string {
  return `${destDir.replace(/\/+$/, '')}/${relative}`;
}

/**
 * mkdir -p (mode 0755 for what it creates): every component's mkdir and a final stat are sent at
 * once; sftp-server answers in order, so existing components cost nothing but an ignored error.
 */
export async function mkdirP(session: SftpSession, dir: string): Promise<void> {
  const parts: string[] = [];
  for (let i = dir.indexOf('/', 1); ; i = dir.indexOf('/', i + 1)) {
    parts.push(i < 0 ? dir : dir.slice(0, i));
    if (i < 0) break;
  }
  const made = parts.map((p) =>
    session.mkdir(p, 0o755).then(
      () => undefined,
      (err: unknown) => err,
    ),
  );
  const stat = session.stat(dir).then(
    (st) => ({ st }),
    (err: unknown) => ({ err }),
  );
  const [mkdirErrors, result] = await Promise.all([Promise.all(made), stat]);
  if (!('st' in result)) {
    // the deepest mkdir that failed says why (EROFS, EACCES…); diagnose it in its parent
    const index = mkdirErrors.findLastIndex((e) => e !== undefined);
    const cause = mkdirErrors[index] ?? result.err;
    throw await diagnoseFailure(session, cause, posix.dirname(parts[index] ?? dir));
  }
  if (!result.st.isDirectory()) {
    throw new SftpStatusError('mkdir', dir, SFTP_STATUS.FAILURE, 'Failure', {
      message: 'Not a directory',
      errno: 'ENOTDIR',
    });
  }
}
