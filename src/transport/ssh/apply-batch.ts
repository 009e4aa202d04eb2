// Apply a whole batch to one host over its SFTP session, in two passes, as pdcp's apply.sh does:
// 1. deletes and mkdirs, and every write and symlink staged under its temp name;
// 2. only when all of pass 1 succeeded, the temps renamed over their targets, in batch order,
//    then the metadata-only changes.
// So a failure in pass 1 (a full disk, a read-only directory, a stop) leaves every file of the
// batch as it was: a node never gets the new passwd without the new shadow. In pass 1 independent
// changes are in flight together (several files per host, pipelined on one channel); a change
// starts only after the earlier changes it depends on (change-order.ts). The first failure stops
// the host: nothing new starts, what is in flight finishes or fails, and this batch's temp files
// are removed.
import pLimit from 'p-limit';
import type { Batch, Change, TreeEntry } from '../../types.js';
import type { BatchContent } from './batch-content.js';
import { ByteBudget } from './byte-budget.js';
import { deleteRemotePath, makeRemoteDir, applyRemoteMeta } from './remote-ops.js';
import { alreadyInPlace } from './quick-check.js';
import { hostPath, mkdirP } from './remote-dirs.js';
import {
  removeStagedTemps,
  renameIntoPlace,
  stageRemoteFile,
  stageRemoteSymlink,
  type RemoteApplyContext,
  type StagedTemp,
} from './remote-write.js';
import type { SftpSession } from './sftp-session.js';
import { HostAbortedError } from './ssh-errors.js';

export interface ApplyTuning {
  /** Changes in flight per host. */
  readonly changesInFlight: number;
  /** Bytes of file content in flight per host (unacknowledged SFTP writes). */
  readonly bytesInFlight: number;
  /** SFTP write request size. */
  readonly chunkSize: number;
  /** Pass 2: renames in flight per host (small requests; the window keeps the pipe full). */
  readonly renamesInFlight: number;
}

export const DEFAULT_APPLY_TUNING: ApplyTuning = {
  changesInFlight: 16,
  bytesInFlight: 4 * 1024 * 1024,
  chunkSize: 64 * 1024,
  renamesInFlight: 256,
};

export interface ApplyOutcome {
  /** The first failure; undefined when every change was applied. */
  readonly error?: unknown;
  /** Temp files that could not be removed (the node stopped answering); to clean up on reconnect. */
  readonly leftoverTemps: readonly string[];
  /** Directory deletes left in place because they still hold (node-local) files. */
  readonly keptDirs: readonly string[];
  /** quickCheck batches: changes not applied because the node already had them. */
  readonly inPlace: number;
}

export interface ApplyOptions {
  /**
   * Finish soon and leave nothing behind (a user's SIGINT/SIGTERM): no new change starts, a file
   * being sent stops after its writes in flight and its temp is removed; changes past their
   * content (fsync, owner, rename) complete.
   */
  readonly stop?: AbortSignal;
  /** What temp names end with (see SshTransportOptions.tempTag); default: the batch id. */
  readonly tempTag?: string;
  /** Each change applied (or found in place), for progress. */
  readonly onApplied?: () => void;
}

export async function applyBatch(
  session: SftpSession,
  batch: Batch,
  content: BatchContent,
  dependencies: readonly (readonly number[])[],
  tuning: ApplyTuning,
  options: ApplyOptions = {},
): Promise<ApplyOutcome> {
  const { stop } = options;
  const ctx: RemoteApplyContext = {
    session,
    tempTag: options.tempTag ?? batch.id,
    budget: new ByteBudget(tuning.bytesInFlight),
    chunkSize: tuning.chunkSize,
    temps: new Set(),
    ...(stop !== undefined ? { stop } : {}),
  };
  const keptDirs: string[] = [];
  let inPlace = 0;
  let error: unknown;
  try {
    await mkdirP(session, batch.destDir);
  } catch (err) {
    return { error: err, leftoverTemps: [], keptDirs, inPlace };
  }
  const limit = pLimit(tuning.changesInFlight);
  const done: Promise<void>[] = [];
  const staged: (StagedTemp | undefined)[] = [];
  const metas: (readonly [Change, number])[] = []; // pass 2, after the renames: a meta change may be about a path just written
  const apply = async (change: Change, i: number): Promise<void> => {
    try {
      const outcome = await applyChange(ctx, batch, content, change);
      if (outcome === 'kept-dir') keptDirs.push(change.path);
      else if (outcome === 'in-place') inPlace++;
      else if (outcome !== 'applied') staged[i] = outcome;
      options.onApplied?.();
    } catch (err) {
      error ??= err;
    }
  };
  batch.changes.forEach((change, i) => {
    if (change.op === 'meta') {
      metas.push([change, i]);
      done[i] = Promise.resolve();
      return;
    }
    const deps = (dependencies[i] ?? []).map((j) => done[j]);
    done[i] = Promise.all(deps).then(() =>
      limit(async () => {
        if (error !== undefined) return;
        if (stop?.aborted === true) {
          error = new HostAbortedError();
          return;
        }
        await apply(change, i);
      }),
    );
  });
  await Promise.all(done);
  // stopped once everything was staged: no rename starts either, the host keeps the old batch
  if (error === undefined && stop?.aborted === true) error = new HostAbortedError();
  if (error === undefined) {
    // in batch order, in a bounded window (90,000 renames should not all wait in memory at once);
    // as in apply.sh, the first failed rename stops those not yet sent (their temps are removed)
    const window = pLimit(tuning.renamesInFlight);
    const renames = staged.flatMap((s) =>
      s === undefined
        ? []
        : [
            window(async () => {
              if (error !== undefined) return;
              await renameIntoPlace(ctx, s).catch((err: unknown) => {
                error ??= err;
              });
            }),
          ],
    );
    await Promise.all(renames);
  }
  // then the metadata-only changes, as apply.sh does (the batch is installed: a stop lets them finish)
  if (error === undefined) {
    await Promise.all(
      metas.map(([change, i]) => limit(async () => (error === undefined ? apply(change, i) : undefined))),
    );
  }
  if (error !== undefined) await removeStagedTemps(ctx);
  return { ...(error !== undefined ? { error } : {}), leftoverTemps: [...ctx.temps], keptDirs, inPlace };
}

/**
 * applied; kept-dir: a directory delete left in place (not empty); in-place: the node had it
 * already; a StagedTemp: a write or symlink waiting for its rename (pass 2).
 */
type ChangeOutcome = 'applied' | 'kept-dir' | 'in-place' | StagedTemp;

async function applyChange(
  ctx: RemoteApplyContext,
  batch: Batch,
  content: BatchContent,
  change: Change,
): Promise<ChangeOutcome> {
  const path = hostPath(batch.destDir, change.path);
  if (
    batch.quickCheck === true &&
    change.op !== 'delete' &&
    (await alreadyInPlace(ctx.session, path, need(change)))
  ) {
    return 'in-place';
  }
  switch (change.op) {
    case 'delete':
      return (await deleteRemotePath(ctx.session, path, change.previousType)) === 'kept-non-empty'
        ? 'kept-dir'
        : 'applied';
    case 'mkdir':
      await makeRemoteDir(ctx.session, path, need(change));
      return 'applied';
    case 'write':
      return stageRemoteFile(ctx, path, need(change), await content.get(change));
    case 'symlink':
      return stageRemoteSymlink(ctx, path, need(change));
    case 'meta':
      await applyRemoteMeta(ctx.session, path, need(change));
      return 'applied';
  }
}

function need(change: Change): TreeEntry {
  if (change.entry === undefined) throw new Error(`${change.op} ${change.path}: change without its entry`);
  return change.entry;
}
