// write and symlink changes over SFTP, atomically, in two steps. stageRemoteFile/-Symlink put the
// content under a temp name in the target's directory: fsynced, chowned, chmodded (after chown,
// which clears setuid), timestamped and closed. renameIntoPlace then renames it over the target
// with posix-rename (rename(2)). applyBatch stages every write of a batch before it renames any
// (apply-batch.ts), as pdcp's apply.sh does. Requests that cannot hurt the target are pipelined; a
// rename is sent only after every answer about its temp. A small file costs three round trips:
// open; writes + fsync + fsetstat + close; rename.
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import type { TreeEntry } from '../../types.js';
import type { Content } from './batch-content.js';
import type { ByteBudget } from './byte-budget.js';
import { diagnoseFailure } from './diagnose-failure.js';
import { mkdirP, tempPathFor } from './remote-dirs.js';
import { ContentMismatchError, HostAbortedError, SFTP_STATUS, SftpStatusError } from './ssh-errors.js';
import { isStatus, type SftpSession } from './sftp-session.js';

export interface RemoteApplyContext {
  readonly session: SftpSession;
  /** Temp names are `.<name>.clsync-hpc.<tempTag>` (remote-dirs.ts). */
  readonly tempTag: string;
  /** Bytes of writes in flight for this host. */
  readonly budget: ByteBudget;
  readonly chunkSize: number;
  /** Temp names created on the node and not yet renamed or removed (for cleanup). */
  readonly temps: Set<string>;
  /**
   * Stop soon (SIGINT/SIGTERM): a file whose content is still being sent stops after the writes
   * in flight, and its temp is removed while the session still answers.
   */
  readonly stop?: AbortSignal;
}

/** A write or symlink whose temp is complete on the node; renameIntoPlace installs it. */
export interface StagedTemp {
  readonly tmp: string;
  readonly target: string;
}

export async function stageRemoteFile(
  ctx: RemoteApplyContext,
  target: string,
  entry: TreeEntry,
  content: Content,
): Promise<StagedTemp> {
  const { session } = ctx;
  const tmp = tempPathFor(target, ctx.tempTag);
  const dir = posix.dirname(target);
  try {
    const handle = await openTemp(ctx, tmp, dir);
    // one burst after the open: content, fsync, owner/mode/times, close. They only touch the temp
    // file, so they need not wait for each other; the rename waits for all of their answers.
    const requests = await sendContent(ctx, handle, tmp, content, entry);
    requests.push(
      session.fsync(handle, tmp),
      ...setFileAttributes(session, handle, tmp, entry),
      session.close(handle, tmp),
    );
    await settleInOrder(requests);
    return { tmp, target };
  } catch (err) {
    throw await failedTemp(ctx, err, tmp, target);
  }
}

/**
 * Owner, mode and times in as few requests as is safe. sftp-server's fsetstat applies chmod, then
 * utimes, then chown; chown clears setuid/setgid, so a mode with those bits gets its own fchmod after.
 */
function setFileAttributes(
  session: SftpSession,
  handle: Buffer,
  tmp: string,
  entry: TreeEntry,
): Promise<void>[] {
  const t = Math.floor(entry.mtimeMs / 1000); // SFTP v3 carries whole seconds
  const mode = entry.mode & 0o7777;
  const owner = { uid: entry.uid, gid: entry.gid, atime: t, mtime: t };
  if ((mode & 0o6000) === 0) return [session.fsetstat(handle, tmp, { ...owner, mode })];
  return [session.fsetstat(handle, tmp, owner), session.fchmod(handle, tmp, mode)];
}

export async function stageRemoteSymlink(
  ctx: RemoteApplyContext,
  target: string,
  entry: TreeEntry,
): Promise<StagedTemp> {
  const { session } = ctx;
  const tmp = tempPathFor(target, ctx.tempTag);
  const dir = posix.dirname(target);
  try {
    const make = async (): Promise<void> => {
      ctx.temps.add(tmp);
      const cleared = session.unlink(tmp).catch(ignoreUnlinkFailure(session));
      const linked = session.symlink(entry.target ?? '', tmp);
      const owned = session.lsetstat(tmp, { uid: entry.uid, gid: entry.gid });
      await settleInOrder([cleared, linked, owned]);
    };
    await make().catch(async (err: unknown) => {
      if (!isStatus(err, SFTP_STATUS.NO_SUCH_FILE)) throw err;
      await mkdirP(session, dir); // fallback: the parent should have come from a mkdir change
      await make();
    });
    return { tmp, target };
  } catch (err) {
    throw await failedTemp(ctx, err, tmp, target);
  }
}

/** The second step: rename a staged temp over its target (rename(2): old file or new, never a mix). */
export async function renameIntoPlace(ctx: RemoteApplyContext, staged: StagedTemp): Promise<void> {
  try {
    await ctx.session.rename(staged.tmp, staged.target);
    ctx.temps.delete(staged.tmp);
  } catch (err) {
    throw await failedTemp(ctx, err, staged.tmp, staged.target);
  }
}

/** After a failure about a temp: say what went wrong with the target, and remove the temp. */
async function failedTemp(
  ctx: RemoteApplyContext,
  err: unknown,
  tmp: string,
  target: string,
): Promise<unknown> {
  const explained = await diagnoseFailure(ctx.session, err, posix.dirname(target), target);
  await removeTemp(ctx, tmp);
  return aboutTarget(explained, tmp, target);
}

/** Remove every temp of the batch not yet renamed (a failure or a stop before the renames). */
export async function removeStagedTemps(ctx: RemoteApplyContext): Promise<void> {
  await Promise.all([...ctx.temps].map((tmp) => removeTemp(ctx, tmp)));
}

/** Users know the target, not our temp name: "write /etc/app.conf: No space left on device". */
function aboutTarget(err: unknown, tmp: string, target: string): unknown {
  return err instanceof SftpStatusError && err.path === tmp ? err.atPath(target) : err;
}

/**
 * Create the temp with O_EXCL, so nothing already under its name (a leftover, a planted symlink) is
 * ever followed or reused: if the create fails, clear the name and try once more; a missing parent
 * directory is created (mkdir -p fallback).
 */
async function openTemp(ctx: RemoteApplyContext, tmp: string, dir: string): Promise<Buffer> {
  const { session } = ctx;
  ctx.temps.add(tmp);
  try {
    return await session.open(tmp, 'wx', 0o600);
  } catch (err) {
    if (isStatus(err, SFTP_STATUS.NO_SUCH_FILE)) await mkdirP(session, dir);
    else if (isStatus(err, SFTP_STATUS.FAILURE))
      await session.unlink(tmp).catch(ignoreUnlinkFailure(session));
    else throw err;
    return session.open(tmp, 'wx', 0o600);
  }
}

/** Issues the content's writes (bounded by the host's byte budget); returns them, unawaited. */
async function sendContent(
  ctx: RemoteApplyContext,
  handle: Buffer,
  tmp: string,
  content: Content,
  entry: TreeEntry,
): Promise<Promise<void>[]> {
  const writes: Promise<void>[] = [];
  let failed = false;
  const send = async (chunk: Buffer, position: number): Promise<void> => {
    await ctx.budget.acquire(chunk.length);
    const w = ctx.session.write(handle, tmp, chunk, position).finally(() => ctx.budget.release(chunk.length));
    w.catch(() => (failed = true));
    writes.push(w);
  };
  /** Giving up on this file: the writes already sent still get their answers, then the close. */
  const closeAfterWrites = async (err: unknown): Promise<never> => {
    await Promise.allSettled(writes);
    await ctx.session.close(handle, tmp).catch(() => undefined);
    throw err;
  };
  if (content.kind === 'buffer') {
    for (let off = 0; off < content.data.length && !failed; off += ctx.chunkSize) {
      if (ctx.stop?.aborted === true) return closeAfterWrites(new HostAbortedError());
      await send(content.data.subarray(off, off + ctx.chunkSize), off);
    }
    return writes;
  }
  const fh = await open(content.file, 'r');
  try {
    let off = 0;
    while (!failed) {
      if (ctx.stop?.aborted === true) throw new HostAbortedError();
      const buf = Buffer.allocUnsafe(ctx.chunkSize);
      const { bytesRead } = await fh.read(buf, 0, buf.length, off);
      if (bytesRead === 0) break;
      await send(buf.subarray(0, bytesRead), off);
      off += bytesRead;
    }
    if (!failed && off !== entry.size) {
      // hash-checked once for the batch and frozen since; still, never install a short file
      throw new ContentMismatchError(
        `${content.file}: staged copy has ${off} bytes, the batch expects ${entry.size}`,
      );
    }
  } catch (err) {
    return await closeAfterWrites(err);
  } finally {
    await fh.close();
  }
  return writes;
}

/** Remove a temp file after a failure; if the node cannot be asked any more, it stays in ctx.temps. */
async function removeTemp(ctx: RemoteApplyContext, tmp: string): Promise<void> {
  if (!ctx.temps.has(tmp)) return;
  try {
    await ctx.session.unlink(tmp);
    ctx.temps.delete(tmp);
  } catch (err) {
    if (isStatus(err, SFTP_STATUS.NO_SUCH_FILE)) ctx.temps.delete(tmp);
  }
}

/** Wait for every request, then throw the first failure in send order (its answer came first too). */
export async function settleInOrder(requests: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(requests);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/**
 * The unlink before creating a temp is only a precaution: if it fails (no such file, or EROFS…), the
 * create that follows fails with the telling error. A dead session still fails it.
 */
function ignoreUnlinkFailure(session: SftpSession): (err: unknown) => void {
  return (err) => {
    if (session.dead !== undefined) throw err;
  };
}
