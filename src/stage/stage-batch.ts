// Freeze the content of a batch's writes: each `write` change's file is copied into a private
// stage directory (named by index, never by the original name) and hashed on the way, so
// transports send exactly the bytes the ledger records, whatever happens to the live tree.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Batch, Change, StagedContent, TreeEntry } from '../types.js';
import { LedgerError } from '../errors.js';
import { copyAndHash, SYNC_COPY_MAX } from './copy-and-hash.js';

export interface StagedBatch {
  readonly batch: Batch;
  /** Paths of write changes left out: the file vanished (or stopped being a file) since the scan. */
  readonly dropped: string[];
  /** Write changes left out because the file could not be read, one line each. */
  readonly warnings: string[];
}

const COPIES_IN_FLIGHT = 8;
const YIELD_EVERY_MS = 10;
/** Bytes of small files a batch holds in memory (the rest are frozen as files in the stage). */
export const HELD_BYTES_MAX = 64 * 1024 * 1024;

export interface StageOptions {
  /** Instead of HELD_BYTES_MAX (tests). */
  readonly heldBytesMax?: number;
}
const stageDirs = new WeakMap<Batch, string>();

/** 10 characters of base36 (~51 bits): unique enough for batch ids and file names. */
export function newBatchId(): string {
  let id = '';
  for (const byte of randomBytes(10)) id += (byte % 36).toString(36);
  return id;
}

export async function stageBatch(
  sourceRoot: string,
  changes: readonly Change[],
  stageRoot: string,
  destDir: string,
  options: StageOptions = {},
): Promise<StagedBatch> {
  const heldBytesMax = options.heldBytesMax ?? HELD_BYTES_MAX;
  const id = newBatchId();
  const dir = join(resolve(stageRoot), id);
  try {
    await mkdir(stageRoot, { recursive: true, mode: 0o700 });
    await mkdir(dir, { mode: 0o700 });
    await chmod(dir, 0o700); // whatever the umask says
  } catch (error) {
    throw stageError(error, dir);
  }

  const kept: (Change | undefined)[] = [...changes];
  const staged = new Map<string, StagedContent>();
  let heldBytes = 0;
  const dropped: string[] = [];
  const warnings: string[] = [];
  const writes = changes.map((c, i) => [c, i] as const).filter(([c]) => c.op === 'write');
  let next = 0;
  let yieldedAt = Date.now();
  const worker = async (): Promise<void> => {
    while (next < writes.length) {
      // small files are copied synchronously: let connections and signals in every few ms
      if (Date.now() - yieldedAt > YIELD_EVERY_MS) {
        await new Promise((r) => setImmediate(r));
        yieldedAt = Date.now();
        if (next >= writes.length) break; // the other workers took the rest meanwhile
      }
      const [change, index] = writes[next++] as readonly [Change, number];
      const target = join(dir, String(index));
      const expectedSize = change.entry?.size ?? Infinity;
      const inMemory = expectedSize <= SYNC_COPY_MAX && heldBytes + SYNC_COPY_MAX <= heldBytesMax;
      if (inMemory) heldBytes += SYNC_COPY_MAX; // reserved: the file may have grown up to that
      const outcome = await copyAndHash(join(resolve(sourceRoot), change.path), target, {
        expectedSize,
        inMemory,
      });
      if (inMemory) heldBytes -= SYNC_COPY_MAX - (outcome.kind === 'ok' ? (outcome.data?.length ?? 0) : 0);
      if (outcome.kind !== 'ok') {
        kept[index] = undefined;
        await rm(target, { force: true });
        if (outcome.kind === 'gone') dropped.push(change.path);
        else warnings.push(`${JSON.stringify(change.path)}: not sent, cannot read it (${outcome.message})`);
        continue;
      }
      staged.set(change.path, outcome.data ?? target);
      if (change.entry === undefined || outcome.hash !== change.entry.hash) {
        // Changed since the scan: describe what is really being sent.
        const st = outcome.stat;
        const entry: TreeEntry = {
          path: change.path,
          type: 'file',
          mode: st.mode & 0o7777,
          uid: st.uid,
          gid: st.gid,
          size: outcome.bytes,
          mtimeMs: Math.floor(st.mtimeMs),
          hash: outcome.hash,
        };
        kept[index] = { ...change, entry };
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(COPIES_IN_FLIGHT, writes.length) }, worker));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw stageError(error, dir);
  }
  const batch: Batch = {
    id,
    createdAt: Date.now(),
    destDir,
    changes: kept.filter((c): c is Change => c !== undefined),
    staged,
  };
  stageDirs.set(batch, dir);
  return { batch, dropped: dropped.sort(), warnings };
}

/**
 * The source side's problems (unreadable, vanished) are per path and never get here: this is the
 * state dir failing us (full, read-only), which stops the run (exit 3) before anything is sent.
 */
function stageError(error: unknown, dir: string): LedgerError {
  const why = error instanceof Error ? error.message : String(error);
  return new LedgerError(`cannot stage the batch in ${dir} (--state-dir): ${why}`, { cause: error });
}

/** A job's stage root: its batches' frozen copies, and the pdcp transport's work dirs. */
export function stageRootOf(jobDir: string): string {
  return join(jobDir, 'stage');
}

/**
 * Stage directories that a killed run left behind (kill -9, a power cut: disposeBatch never ran),
 * and the pdcp work dirs it left next to them. Only the process holding the job's lock stages
 * under `stageRoot`, so whatever is there when it starts is stale; without this, every
 * interrupted run would leave a copy of its batch for good.
 */
export async function removeStaleStages(stageRoot: string): Promise<void> {
  await rm(stageRoot, { recursive: true, force: true });
}

/** Remove the batch's stage directory (and the frozen copies in it). */
export async function disposeBatch(batch: Batch): Promise<void> {
  const dir = stageDirs.get(batch) ?? stageDirOf(batch);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  stageDirs.delete(batch);
}

/** For a batch this process did not stage: the directory of its first staged file, if any. */
function stageDirOf(batch: Batch): string | undefined {
  for (const content of batch.staged.values()) if (typeof content === 'string') return dirname(content);
  return undefined;
}
