// write and symlink changes over SFTP, atomically: content goes to a temp name in the target's
// directory, is fsynced, chowned, chmodded (after chown, which clears setuid), timestamped and
// closed, and only then renamed over the target with posix-rename (rename(2)). Requests that
// cannot hurt the target are pipelined; the rename waits for every answer before it.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import type { TreeEntry } from '../../types.js';
import { checkHash, type Content } from './batch-content.js';
import type { ByteBudget } from './byte-budget.js';
import { diagnoseFailure } from './diagnose-failure.js';
import { mkdirP, tempPathFor } from './remote-dirs.js';
import { ContentMismatchError, SFTP_STATUS, SftpStatusError } from './ssh-errors.js';
import { isStatus, type SftpSession } from './sftp-session.js';

export interface RemoteApplyContext {
  readonly session: SftpSession;
  readonly batchId: string;
  /** Bytes of writes in flight for this host. */
  readonly budget: ByteBudget;
  readonly chunkSize: number;
  /** Temp names created on the node and not yet renamed or removed (for cleanup). */
  readonly temps: Set<string>;
}

export async function writeRemoteFile(
  ctx: RemoteApplyContext,
  target: string,
  entry: TreeEntry,
  content: Content,
): Promise<void> {
  const { session } = ctx;
  const tmp = tempPathFor(target, ctx.batchId);
  const dir = posix.dirname(target);
  let handle: Buffer | undefined;
  try {
    handle = await openTemp(ctx, tmp, dir);
    await sendContent(ctx, handle, tmp, content, entry);
    const h = handle;
    handle = undefined; // the close below is sent whatever happens before it
    await settleInOrder([
      session.fsync(h, tmp),
      session.fchown(h, tmp, entry.uid, entry.gid),
      session.fchmod(h, tmp, entry.mode & 0o7777),
      session.futimes(h, tmp, Math.floor(entry.mtimeMs / 1000)),
      session.close(h, tmp),
    ]);
    await session.rename(tmp, target);
    ctx.temps.delete(tmp);
  } catch (err) {
    if (handle !== undefined) await session.close(handle, tmp).catch(() => undefined);
    const explained = await diagnoseFailure(session, err, dir, target);
    await removeTemp(ctx, tmp);
    throw aboutTarget(explained, tmp, target);
  }
}

export async function writeRemoteSymlink(
  ctx: RemoteApplyContext,
  target: string,
  entry: TreeEntry,
): Promise<void> {
  const { session } = ctx;
  const tmp = tempPathFor(target, ctx.batchId);
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
    await session.rename(tmp, target);
    ctx.temps.delete(tmp);
  } catch (err) {
    const explained = await diagnoseFailure(session, err, dir, target);
    await removeTemp(ctx, tmp);
    throw aboutTarget(explained, tmp, target);
  }
}

/** Users know the target, not our temp name: "write /etc/app.conf: No space left on device". */
function aboutTarget(err: unknown, tmp: string, target: string): unknown {
  return err instanceof SftpStatusError && err.path === tmp ? err.atPath(target) : err;
}

/** O_EXCL after an unlink: a leftover temp (or anything planted under its name) is never followed. */
async function openTemp(ctx: RemoteApplyContext, tmp: string, dir: string): Promise<Buffer> {
  const attempt = async (): Promise<Buffer> => {
    ctx.temps.add(tmp);
    const cleared = ctx.session.unlink(tmp).catch(ignoreUnlinkFailure(ctx.session));
    const opened = ctx.session.open(tmp, 'wx', 0o600);
    const [, handle] = await Promise.all([cleared, opened]);
    return handle;
  };
  try {
    return await attempt();
  } catch (err) {
    if (!isStatus(err, SFTP_STATUS.NO_SUCH_FILE)) throw err;
    await mkdirP(ctx.session, dir);
    return attempt();
  }
}

async function sendContent(
  ctx: RemoteApplyContext,
  handle: Buffer,
  tmp: string,
  content: Content,
  entry: TreeEntry,
): Promise<void> {
  const writes: Promise<void>[] = [];
  let failed = false;
  const send = async (chunk: Buffer, position: number): Promise<void> => {
    await ctx.budget.acquire(chunk.length);
    const w = ctx.session.write(handle, tmp, chunk, position).finally(() => ctx.budget.release(chunk.length));
    w.catch(() => (failed = true));
    writes.push(w);
  };
  if (content.kind === 'buffer') {
    for (let off = 0; off < content.data.length && !failed; off += ctx.chunkSize) {
      await send(content.data.subarray(off, off + ctx.chunkSize), off);
    }
  } else {
    const hash = createHash('sha256');
    const fh = await open(content.file, 'r');
    try {
      let off = 0;
      while (!failed) {
        const buf = Buffer.allocUnsafe(ctx.chunkSize);
        const { bytesRead } = await fh.read(buf, 0, buf.length, off);
        if (bytesRead === 0) break;
        const chunk = buf.subarray(0, bytesRead);
        hash.update(chunk);
        await send(chunk, off);
        off += bytesRead;
      }
      await settleInOrder(writes);
      if (off !== entry.size) {
        throw new ContentMismatchError(
          `${content.file}: staged copy has ${off} bytes, the batch expects ${entry.size}`,
        );
      }
      checkHash(content.file, content.hash, hash.digest('hex'));
    } finally {
      await fh.close();
    }
  }
  await settleInOrder(writes);
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
