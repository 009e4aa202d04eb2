// One scan's work. Directories the rules let us walk are listed (readdir with d_type, no stat);
// each entry gets one rule decision; only included entries are lstat'ed; files whose identity
// changed are hashed; auto-walked directories are added when something below them is included.
// Listing, lstat and hashing run on the stat engine (worker threads for big trees), so this
// thread does little more than decide and build entries. Every included entry has a slot; each
// walked directory keeps its slots and sub-directories in name order, and scan-order.ts moves
// finished entries into the snapshot's list in path order as the scan goes.
import type { PathMatcher, RuleDecision } from '../rules/types.js';
import type { EntryType, TreeEntry } from '../types.js';
import type { FileIdentity, HashCache } from './hash-cache.js';
import { EMPTY_SHA256, type HashOutcome } from './hash-file.js';
import { DirentKind, entryTypeOfDirent } from './list-directory.js';
import { quoteName } from './name-bytes.js';
import { entryTypeOfStat, FIELDS_PER_STAT, identityAt, type LstatBatch, StatKind } from './raw-stat.js';
import type { Listing, StatBackend } from './stat-engine.js';
import { type DirRecord, newRecord, OrderedEmitter } from './scan-order.js';
import { parentPath } from './tree-paths.js';

const LSTAT_BATCH = 1024;
const HASH_BATCH_FILES = 256;
const HASH_BATCH_BYTES = 16 * 1024 * 1024;

interface PendingHash {
  readonly slot: number;
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
  /** Stats (and hash) are in, or it is known there will be none; auto slots are born resolved. */
  private readonly slotResolved: boolean[] = [];
  private readonly autoSlots = new Set<number>();
  /** Record a slot belongs to. */
  private readonly slotParents: DirRecord[] = [];
  /** Walked directories that are also entries: slot → their record (to drop if replaced). */
  private readonly slotRecords = new Map<number, DirRecord>();
  /** Top records: the root, or one stand-in parent per loose path. */
  private readonly tops: DirRecord[] = [];
  private readonly emitter = new OrderedEmitter(
    {
      pathOf: (slot) => this.slotPaths[slot] as string,
      entryOf: (slot) => this.slotEntries[slot],
      isResolved: (slot) => this.slotResolved[slot] === true,
      isAuto: (slot) => this.autoSlots.has(slot),
    },
    this.tops,
  );

  private looseSlots: number[] = [];
  private looseJob = { dirs: [] as string[], counts: [] as number[], names: [] as string[] };
  private hashQueue: PendingHash[] = [];
  private hashQueueBytes = 0;
  private outstanding = 0;
  private wakeUp: (() => void) | undefined;
  private failure: unknown;

  constructor(
    private readonly root: string,
    private readonly matcher: PathMatcher,
    private readonly engine: StatBackend,
    private readonly cache: HashCache | undefined,
  ) {}

  absolute(path: string): string {
    if (path === '') return this.root;
    return this.root === '/' ? `/${path}` : `${this.root}/${path}`;
  }

  /** Scan everything below the root. */
  walkRoot(): void {
    const record = newRecord('', undefined);
    this.tops.push(record);
    this.list(record);
  }

  /** One existing path of known type, on its own: include it, walk it, or both. */
  addPath(path: string, type: EntryType, decision: RuleDecision): void {
    const holder = newRecord(parentPath(path), undefined);
    holder.listed = true;
    this.tops.push(holder);
    let slot: number | undefined;
    if (decision.sync) {
      slot = this.reserve(path, type, holder);
      holder.slots.push(slot);
      this.looseSlots.push(slot);
      const dir = this.absolute(parentPath(path));
      const job = this.looseJob;
      const last = job.dirs.length - 1;
      if (job.dirs[last] === dir) job.counts[last] = (job.counts[last] as number) + 1;
      else {
        job.dirs.push(dir);
        job.counts.push(1);
      }
      job.names.push(path.slice(path.lastIndexOf('/') + 1));
      if (job.names.length >= LSTAT_BATCH) this.flushLoose();
    } else if (type === 'dir' && decision.walk && decision.autoWalk === true) {
      slot = this.reserveAuto(path, holder);
      holder.slots.push(slot);
    }
    if (type === 'dir' && decision.walk) this.addSubdir(holder, path, slot, decision);
  }

  /**
   * Wait for all listing, lstat and hashing; add the auto directories that hold something. The
   * entries are in path order after walkRoot(); loose paths come in no particular order.
   */
  async finish(): Promise<TreeEntry[]> {
    for (;;) {
      this.flushLoose();
      this.flushHashes();
      if (this.outstanding === 0) break;
      await new Promise<void>((resolve) => (this.wakeUp = resolve));
      if (this.failure !== undefined) throw this.failure;
    }
    if (this.failure !== undefined) throw this.failure;
    this.emitter.pump();
    if (!this.emitter.done) throw new Error('scan: entries left unordered (internal error)');
    await this.addAutoDirs(this.emitter.autoIncluded);
    return this.emitter.entries();
  }

  // ---- work tracking ---------------------------------------------------------------------------

  private track<T>(work: Promise<T>, then: (value: T) => void): void {
    this.outstanding++;
    work
      .then(then)
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        if (--this.outstanding === 0 || this.failure !== undefined) this.wakeUp?.();
      });
  }

  private reserve(path: string, type: EntryType, parent: DirRecord): number {
    this.slotPaths.push(path);
    this.slotTypes.push(type);
    this.slotEntries.push(undefined);
    this.slotResolved.push(false);
    this.slotParents.push(parent);
    return this.slotPaths.length - 1;
  }

  private reserveAuto(path: string, parent: DirRecord): number {
    const slot = this.reserve(path, 'dir', parent);
    this.slotResolved[slot] = true;
    this.autoSlots.add(slot);
    return slot;
  }

  /** A walked directory below `parent`, with its own slot if it has one; listed right away. */
  private addSubdir(
    parent: DirRecord,
    path: string,
    slot: number | undefined,
    decision: RuleDecision,
  ): DirRecord {
    const sub = newRecord(path, parent);
    if (slot !== undefined && decision.sync) this.slotRecords.set(slot, sub);
    if (slot !== undefined && !decision.sync) sub.autoSlot = slot;
    parent.subdirs.push(sub);
    this.list(sub);
    return sub;
  }

  private resolve(slot: number, entry: TreeEntry | undefined): void {
    this.slotEntries[slot] = entry;
    this.slotResolved[slot] = true;
  }

  // ---- walking ---------------------------------------------------------------------------------

  private list(record: DirRecord): void {
    this.track(this.engine.list(this.absolute(record.path), record.path), (listing) =>
      this.onListing(record, listing),
    );
  }

  private onListing(record: DirRecord, listing: Listing): void {
    this.addListing(record, listing);
    record.listed = true;
    this.emitter.pump();
  }

  private addListing(record: DirRecord, listing: Listing): void {
    if (record.detached) return this.engine.forget(listing);
    if (listing.problem === 'gone') return; // vanished since its parent was listed: a race
    const label = quoteName(record.path === '' ? '.' : record.path);
    if (listing.problem !== undefined) {
      this.warnings.push(`${label}: cannot read directory (${listing.problem}), its content is skipped`);
      return;
    }
    this.counters.dirsWalked++;
    if (listing.undecodable > 0) {
      this.warnings.push(
        `${label}: skipped ${listing.undecodable} name(s) that are not valid UTF-8 (cannot be represented)`,
      );
    }
    const indices: number[] = [];
    const slots: number[] = [];
    for (let i = 0; i < listing.paths.length; i++) {
      const path = listing.paths[i] as string;
      const type = entryTypeOfDirent(listing.kinds[i] as DirentKind);
      if (type === undefined) {
        this.warnUnsupported(path, listing.kinds[i] as DirentKind);
        continue;
      }
      const decision = this.matcher.decide(path, type);
      let slot: number | undefined;
      if (decision.sync) {
        slot = this.reserve(path, type, record);
        record.slots.push(slot);
        indices.push(i);
        slots.push(slot);
      } else if (type === 'dir' && decision.walk && decision.autoWalk === true) {
        slot = this.reserveAuto(path, record);
        record.slots.push(slot);
      }
      if (type === 'dir' && decision.walk) this.addSubdir(record, path, slot, decision);
    }
    if (indices.length === 0) return this.engine.forget(listing);
    this.track(this.engine.lstatListed(listing, indices), (batch) => this.acceptStats(slots, batch));
  }

  private warnUnsupported(path: string, kind: DirentKind): void {
    // Only worth a word when the rules would have sent it.
    if (!this.matcher.decide(path, 'file').sync) return;
    const what = kind === DirentKind.Socket ? 'socket' : kind === DirentKind.Fifo ? 'FIFO' : 'device file';
    this.warnings.push(`${quoteName(path)}: skipped, a ${what} cannot be synced`);
  }

  private flushLoose(): void {
    if (this.looseJob.names.length === 0) return;
    const slots = this.looseSlots;
    const job = this.looseJob;
    this.looseSlots = [];
    this.looseJob = { dirs: [], counts: [], names: [] };
    this.track(this.engine.lstat(job), (batch) => this.acceptStats(slots, batch));
  }

  private acceptStats(slots: readonly number[], batch: LstatBatch): void {
    this.addStats(slots, batch);
    this.emitter.pump();
  }

  // ---- stats and hashes ------------------------------------------------------------------------

  private addStats(slots: readonly number[], batch: LstatBatch): void {
    const f = batch.fields;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as number;
      const o = i * FIELDS_PER_STAT;
      const kind = f[o] as StatKind;
      const path = this.slotPaths[slot] as string;
      const type = entryTypeOfStat(kind);
      if (kind === StatKind.Failed)
        this.warnings.push(`${quoteName(path)}: skipped, ${batch.errors.get(i) ?? 'lstat failed'}`);
      if (type === undefined || (type !== this.slotTypes[slot] && !this.acceptReplaced(slot, path, type))) {
        if (type === undefined) this.detach(slot); // gone, unreadable, or now a socket/FIFO/device
        this.resolve(slot, undefined);
        continue;
      }
      const mode = f[o + 1] as number;
      const uid = f[o + 2] as number;
      const gid = f[o + 3] as number;
      if (type === 'dir') {
        this.resolve(slot, { path, type, mode, uid, gid, size: 0, mtimeMs: 0 });
      } else if (type === 'symlink') {
        const target = batch.targets.get(i) ?? '';
        this.resolve(slot, { path, type, mode, uid, gid, size: 0, mtimeMs: 0, target });
      } else {
        const id = identityAt(f, o);
        const hash = id.size === 0 ? EMPTY_SHA256 : this.cache?.lookup(path, id);
        if (hash !== undefined) {
          const mtimeMs = Math.floor(id.mtimeMs);
          this.resolve(slot, { path, type, mode, uid, gid, size: id.size, mtimeMs, hash });
          continue;
        }
        this.hashQueue.push({ slot, id, mode, uid, gid });
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
  private acceptReplaced(slot: number, path: string, type: EntryType): boolean {
    this.detach(slot);
    this.slotTypes[slot] = type;
    const decision = this.matcher.decide(path, type);
    if (type === 'dir' && decision.walk) {
      const parent = this.slotParents[slot] as DirRecord;
      if (!decision.sync) {
        if (decision.autoWalk !== true) return false;
        this.autoSlots.add(slot);
      }
      this.addSubdir(parent, path, slot, decision);
      // addSubdir appended it; its place is in name order.
      parent.subdirs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }
    return decision.sync;
  }

  /** A walked directory that is gone or replaced: what was found below it does not count. */
  private detach(slot: number): void {
    const record = this.slotRecords.get(slot);
    if (record === undefined) return;
    record.detached = true;
    this.slotRecords.delete(slot);
    const parent = this.slotParents[slot] as DirRecord;
    parent.subdirs = parent.subdirs.filter((r) => r !== record);
  }

  private flushHashes(): void {
    if (this.hashQueue.length === 0) return;
    const queue = this.hashQueue;
    this.hashQueue = [];
    this.hashQueueBytes = 0;
    // Taken before any of these files is read: see HashCache (racily clean files).
    const queuedAt = Date.now();
    const paths = queue.map((q) => this.absolute(this.slotPaths[q.slot] as string));
    const work = this.engine.hash(
      paths,
      queue.map((q) => q.id.size),
    );
    this.track(work, (outcomes) => this.acceptHashes(queue, outcomes, queuedAt));
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
      if (outcome === undefined || outcome.kind !== 'ok') {
        if (outcome?.kind === 'error') {
          this.warnings.push(`${quoteName(path)}: skipped, cannot read it (${outcome.message})`);
        }
        this.resolve(q.slot, undefined);
        continue;
      }
      this.counters.filesHashed++;
      this.counters.bytesHashed += outcome.bytes;
      // A size that moved under us means the file is being written: record what was read, do
      // not cache it (its timestamps will differ next time anyway).
      if (outcome.bytes === q.id.size) this.cache?.remember(path, q.id, outcome.hash, queuedAt);
      this.resolve(q.slot, {
        path,
        type: 'file',
        mode: q.mode,
        uid: q.uid,
        gid: q.gid,
        size: outcome.bytes,
        mtimeMs: Math.floor(q.id.mtimeMs),
        hash: outcome.hash,
      });
    }
    this.emitter.pump();
  }

  private async addAutoDirs(slots: readonly number[]): Promise<void> {
    if (slots.length === 0) return;
    const parents = slots.map((slot) => this.absolute(parentPath(this.slotPaths[slot] as string)));
    const names = slots.map((slot) => {
      const path = this.slotPaths[slot] as string;
      return path.slice(path.lastIndexOf('/') + 1);
    });
    const batch = await this.engine.lstat({ dirs: parents, counts: parents.map(() => 1), names });
    for (let i = 0; i < slots.length; i++) {
      const o = i * FIELDS_PER_STAT;
      const slot = slots[i] as number;
      const path = this.slotPaths[slot] as string;
      if (batch.fields[o] !== StatKind.Dir) {
        this.emitter.placeAuto(slot, undefined); // gone or replaced since: its subtree went with it
        continue;
      }
      const [mode, uid, gid] = [
        batch.fields[o + 1] as number,
        batch.fields[o + 2] as number,
        batch.fields[o + 3] as number,
      ];
      this.emitter.placeAuto(slot, { path, type: 'dir', mode, uid, gid, size: 0, mtimeMs: 0 });
    }
  }
}
