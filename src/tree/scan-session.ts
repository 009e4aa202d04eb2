// One scan's work: walk directories the rules let us walk (readdir with d_type, no stat), reserve a
// slot per included entry in depth-first order, lstat only included entries (in batches, on the
// stat engine), hash files whose identity changed, and add auto-walked directories that turned
// out to hold something. Slots keep the walk order so the final sort is nearly free.
import { readdirSync, type Dirent } from 'node:fs';
import type { PathMatcher, RuleDecision } from '../rules/types.js';
import type { EntryType, TreeEntry } from '../types.js';
import { EMPTY_SHA256, type HashOutcome } from './hash-file.js';
import type { FileIdentity, HashCache } from './hash-cache.js';
import { quoteName, undecodableNames } from './name-bytes.js';
import { FIELDS_PER_STAT, type LstatBatch, StatKind } from './raw-stat.js';
import type { StatEngine } from './stat-engine.js';
import { childPath, comparePaths, parentPath } from './tree-paths.js';

const LSTAT_BATCH = 1024;
const HASH_BATCH_FILES = 256;
const HASH_BATCH_BYTES = 16 * 1024 * 1024;

interface PendingHash {
  readonly slot: number;
  readonly abs: string;
  readonly id: FileIdentity;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface SessionCounters {
  dirsWalked: number;
  filesHashed: number;
  bytesHashed: number;
}

export class ScanSession {
  readonly warnings: string[] = [];
  readonly counters: SessionCounters = { dirsWalked: 0, filesHashed: 0, bytesHashed: 0 };

  private readonly slotPaths: string[] = [];
  private readonly slotTypes: EntryType[] = [];
  private readonly slotEntries: (TreeEntry | undefined)[] = [];
  /** Slot ranges [start, end) to throw away: subtrees of directories replaced during the scan. */
  private readonly droppedRanges: [number, number][] = [];
  /** Walked directories that have a slot: slot → end of their subtree's slots. */
  private readonly subtreeEnd = new Map<number, number>();
  /** Slots of auto-walked directories (no sync of their own). */
  private readonly autoDirs = new Set<number>();
  private lstatSlots: number[] = [];
  private lstatDirs: string[] = [];
  private lstatCounts: number[] = [];
  private lstatNames: string[] = [];
  private hashQueue: PendingHash[] = [];
  private hashQueueBytes = 0;
  private inflight: Promise<void>[] = [];

  constructor(
    private readonly root: string,
    private readonly matcher: PathMatcher,
    private readonly engine: StatEngine,
    private readonly cache: HashCache | undefined,
  ) {}

  /** Absolute path of a tree path. */
  absolute(path: string): string {
    if (path === '') return this.root;
    return this.root === '/' ? `/${path}` : `${this.root}/${path}`;
  }

  /** Walk the directory `path` ('' = root) and everything below that the rules let us walk. */
  walkDir(path: string, abs: string, dirents: Dirent[]): void {
    this.counters.dirsWalked++;
    let lossy: Set<string> | undefined;
    if (dirents.some((d) => d.name.includes('\uFFFD'))) {
      const found = undecodableNames(abs);
      if (found.count > 0) {
        lossy = found.lossy;
        this.warnings.push(
          `${quoteName(path === '' ? '.' : path)}: skipped ${found.count} name(s) that are not valid UTF-8 (cannot be represented)`,
        );
      }
    }
    dirents.sort((a, b) => comparePaths(a.name, b.name));
    for (const dirent of dirents) {
      if (lossy?.has(dirent.name) === true) continue;
      const child = childPath(path, dirent.name);
      const type = direntType(dirent);
      if (type === undefined) {
        this.warnUnsupported(child, dirent);
        continue;
      }
      this.consider(child, abs, dirent.name, type, this.matcher.decide(child, type));
    }
  }

  /**
   * One existing path (`name` in directory `parentAbs`) of known type: include it, walk it, or
   * both, as the decision says.
   */
  consider(path: string, parentAbs: string, name: string, type: EntryType, decision: RuleDecision): void {
    let slot: number | undefined;
    if (decision.sync) {
      slot = this.reserve(path, type);
      this.lstatSlots.push(slot);
      this.lstatNames.push(name);
      const last = this.lstatDirs.length - 1;
      if (this.lstatDirs[last] === parentAbs) this.lstatCounts[last] = (this.lstatCounts[last] as number) + 1;
      else {
        this.lstatDirs.push(parentAbs);
        this.lstatCounts.push(1);
      }
      if (this.lstatNames.length >= LSTAT_BATCH) this.flushLstat();
    } else if (type === 'dir' && decision.walk && decision.autoWalk === true) {
      slot = this.reserve(path, type);
      this.autoDirs.add(slot);
    }
    if (type !== 'dir' || !decision.walk) return;
    const abs = this.absolute(path);
    const dirents = this.readDir(path, abs);
    if (dirents !== undefined) this.walkDir(path, abs, dirents);
    if (slot !== undefined) this.subtreeEnd.set(slot, this.slotPaths.length);
  }

  /** All stats, hashes and auto directories resolved: the entries, in (near-)sorted order. */
  async finish(): Promise<TreeEntry[]> {
    await this.drain();
    await this.addAutoDirs();
    for (const [start, end] of this.droppedRanges) this.slotEntries.fill(undefined, start, end);
    const out: TreeEntry[] = [];
    for (const entry of this.slotEntries) if (entry !== undefined) out.push(entry);
    return out;
  }

  private readDir(path: string, abs: string): Dirent[] | undefined {
    try {
      return readdirSync(abs, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // vanished or replaced: a race
      this.warnings.push(
        `${quoteName(path)}: cannot read directory (${code ?? String(error)}), its content is skipped`,
      );
      return undefined;
    }
  }

  private reserve(path: string, type: EntryType): number {
    this.slotPaths.push(path);
    this.slotTypes.push(type);
    this.slotEntries.push(undefined);
    return this.slotPaths.length - 1;
  }

  private warnUnsupported(path: string, dirent: Dirent): void {
    // Only worth a word when the rules would have sent it.
    if (!this.matcher.decide(path, 'file').sync) return;
    const kind = dirent.isSocket() ? 'socket' : dirent.isFIFO() ? 'FIFO' : 'device file';
    this.warnings.push(`${quoteName(path)}: skipped, a ${kind} cannot be synced`);
  }

  private flushLstat(): void {
    if (this.lstatNames.length === 0) return;
    const slots = this.lstatSlots;
    const job = { dirs: this.lstatDirs, counts: this.lstatCounts, names: this.lstatNames };
    this.lstatSlots = [];
    this.lstatDirs = [];
    this.lstatCounts = [];
    this.lstatNames = [];
    this.inflight.push(this.engine.lstat(job).then((batch) => this.acceptStats(slots, batch)));
  }

  private flushHashes(): void {
    if (this.hashQueue.length === 0) return;
    const queue = this.hashQueue;
    this.hashQueue = [];
    this.hashQueueBytes = 0;
    // Taken before any of these files is read: see HashCache (racily clean files).
    const queuedAt = Date.now();
    const work = this.engine.hash(
      queue.map((q) => q.abs),
      queue.map((q) => q.id.size),
    );
    this.inflight.push(work.then((outcomes) => this.acceptHashes(queue, outcomes, queuedAt)));
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.flushLstat();
      this.flushHashes();
      if (this.inflight.length === 0) return;
      const running = this.inflight;
      this.inflight = [];
      await Promise.all(running);
    }
  }

  private acceptStats(slots: readonly number[], batch: LstatBatch): void {
    const f = batch.fields;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as number;
      const o = i * FIELDS_PER_STAT;
      const kind = f[o] as StatKind;
      const path = this.slotPaths[slot] as string;
      if (kind === StatKind.Gone) {
        this.dropSubtree(slot);
        continue;
      }
      if (kind === StatKind.Failed) {
        this.warnings.push(`${quoteName(path)}: skipped, ${batch.errors.get(i) ?? 'lstat failed'}`);
        this.dropSubtree(slot);
        continue;
      }
      const type = entryTypeOfKind(kind);
      if (type !== this.slotTypes[slot] && !this.acceptReplaced(slot, path, type)) continue;
      if (type === undefined) continue;
      const mode = f[o + 1] as number;
      const uid = f[o + 2] as number;
      const gid = f[o + 3] as number;
      if (type === 'dir') {
        this.slotEntries[slot] = { path, type, mode, uid, gid, size: 0, mtimeMs: 0 };
      } else if (type === 'symlink') {
        const target = batch.targets.get(i) ?? '';
        this.slotEntries[slot] = { path, type, mode, uid, gid, size: 0, mtimeMs: 0, target };
      } else {
        const id: FileIdentity = {
          size: f[o + 4] as number,
          mtimeMs: f[o + 5] as number,
          ctimeMs: f[o + 6] as number,
          ino: f[o + 7] as number,
        };
        const hash = id.size === 0 ? EMPTY_SHA256 : this.cache?.lookup(path, id);
        if (hash !== undefined) {
          this.slotEntries[slot] = {
            path,
            type,
            mode,
            uid,
            gid,
            size: id.size,
            mtimeMs: Math.floor(id.mtimeMs),
            hash,
          };
          continue;
        }
        this.hashQueue.push({ slot, abs: this.absolute(path), id, mode, uid, gid });
        this.hashQueueBytes += id.size;
        if (this.hashQueue.length >= HASH_BATCH_FILES || this.hashQueueBytes >= HASH_BATCH_BYTES)
          this.flushHashes();
      }
    }
  }

  /**
   * The object at `path` changed type between readdir and lstat (replaced during the scan). Decide
   * again for what is there now; true = build an entry from these stats in this slot.
   */
  private acceptReplaced(slot: number, path: string, type: EntryType | undefined): boolean {
    this.dropSubtree(slot);
    if (type === undefined) return false;
    this.slotTypes[slot] = type;
    const decision = this.matcher.decide(path, type);
    if (type === 'dir' && decision.walk) {
      const abs = this.absolute(path);
      const dirents = this.readDir(path, abs);
      if (dirents !== undefined) this.walkDir(path, abs, dirents);
    }
    return decision.sync;
  }

  private dropSubtree(slot: number): void {
    const end = this.subtreeEnd.get(slot);
    if (end !== undefined) this.droppedRanges.push([slot + 1, end]);
  }

  private acceptHashes(
    queue: readonly PendingHash[],
    outcomes: readonly HashOutcome[],
    queuedAt: number,
  ): void {
    for (let i = 0; i < queue.length; i++) {
      const q = queue[i] as PendingHash;
      const outcome = outcomes[i];
      const path = this.slotPaths[q.slot] as string;
      if (outcome === undefined || outcome.kind === 'gone') continue;
      if (outcome.kind === 'error') {
        this.warnings.push(`${quoteName(path)}: skipped, cannot read it (${outcome.message})`);
        continue;
      }
      this.counters.filesHashed++;
      this.counters.bytesHashed += outcome.bytes;
      // A size that moved under us means the file is being written: record what was read, do
      // not cache it (its timestamps will differ next time anyway).
      if (outcome.bytes === q.id.size) this.cache?.remember(path, q.id, outcome.hash, queuedAt);
      this.slotEntries[q.slot] = {
        path,
        type: 'file',
        mode: q.mode,
        uid: q.uid,
        gid: q.gid,
        size: outcome.bytes,
        mtimeMs: Math.floor(q.id.mtimeMs),
        hash: outcome.hash,
      };
    }
  }

  /** Auto-walked directories are entries only when something below them is. */
  private async addAutoDirs(): Promise<void> {
    if (this.autoDirs.size === 0) return;
    for (const [start, end] of this.droppedRanges) this.slotEntries.fill(undefined, start, end);
    // filledBefore[i] = included non-auto entries in slots [0, i): O(1) "anything in this range?".
    const filledBefore = new Int32Array(this.slotEntries.length + 1);
    for (let i = 0; i < this.slotEntries.length; i++) {
      filledBefore[i + 1] = (filledBefore[i] as number) + (this.slotEntries[i] !== undefined ? 1 : 0);
    }
    const slots: number[] = [];
    const parents: string[] = [];
    const names: string[] = [];
    for (const slot of this.autoDirs) {
      const end = this.subtreeEnd.get(slot) ?? slot + 1;
      if ((filledBefore[end] as number) - (filledBefore[slot + 1] as number) === 0) continue;
      const path = this.slotPaths[slot] as string;
      slots.push(slot);
      parents.push(this.absolute(parentPath(path)));
      names.push(path.slice(path.lastIndexOf('/') + 1));
    }
    if (slots.length === 0) return;
    const batch = await this.engine.lstat({ dirs: parents, counts: parents.map(() => 1), names });
    for (let i = 0; i < slots.length; i++) {
      const o = i * FIELDS_PER_STAT;
      if (batch.fields[o] !== StatKind.Dir) continue; // gone or replaced since: its subtree went with it
      const slot = slots[i] as number;
      const [mode, uid, gid] = [
        batch.fields[o + 1] as number,
        batch.fields[o + 2] as number,
        batch.fields[o + 3] as number,
      ];
      this.slotEntries[slot] = {
        path: this.slotPaths[slot] as string,
        type: 'dir',
        mode,
        uid,
        gid,
        size: 0,
        mtimeMs: 0,
      };
    }
  }
}

function direntType(dirent: Dirent): EntryType | undefined {
  if (dirent.isFile()) return 'file';
  if (dirent.isDirectory()) return 'dir';
  if (dirent.isSymbolicLink()) return 'symlink';
  return undefined;
}

function entryTypeOfKind(kind: StatKind): EntryType | undefined {
  return kind === StatKind.File
    ? 'file'
    : kind === StatKind.Dir
      ? 'dir'
      : kind === StatKind.Symlink
        ? 'symlink'
        : undefined;
}
