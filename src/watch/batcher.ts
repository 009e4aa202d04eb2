// clsync's batching (delay-collect, delay-sync, big-file queue), made exact and testable: pure, no
// timers, the clock is passed in. The daemon keeps one setTimeout to nextDueAt(), calls take()
// when it fires, and brackets each push with batchStarted()/batchFinished().
//
// Timing model (clsync.md §4.2, fixed):
// - a queue's collect window is counted from the FIRST event of the batch; later events join the
//   batch but do not extend it (a fixed window, not a debounce): writes at 0,2,4,6… with 5 s →
//   batches at 5, 11, 17…;
// - the next batch starts no earlier than syncGapMs after the previous one finished; events that
//   arrive while a batch runs wait for the next one;
// - files of at least bigThreshold bytes (sizes come with the hints) wait collectBigMs instead;
// - a file still open for writing is held until its writer closes it (the original pushed half-
//   written files on the first IN_MODIFY), but never longer than the hold cap (logs never close);
// - a full rescan is sticky: once requested it is returned by the next take(), whatever happens.
import type { WatchHints } from './types.js';

export interface BatcherOptions {
  /** --delay-collect: window of the normal queue, from the first event of a batch. 0 = at once. */
  readonly collectMs: number;
  /** --delay-collect-bigfile: window of the big-file queue. */
  readonly collectBigMs: number;
  /** --delay-sync: minimum time between the end of one batch and the start of the next. */
  readonly syncGapMs: number;
  /** --threshold-bigfile: files of at least this many bytes go to the big-file queue; 0 = none do. */
  readonly bigThreshold: number;
  /** Longest hold of a file open for writing; default 2 × its queue's collect window, at least 5 s. */
  readonly holdCapMs?: number;
  /** Told once per path when a file is pushed although a writer still has it open. */
  readonly onWarning?: (message: string) => void;
}

export interface AddExtras {
  /** Byte sizes of big files (WatchHints.sizes); a path absent here is classified small. */
  readonly sizes?: ReadonlyMap<string, number>;
  /** Paths a writer still has open: held. A path added without this mark is released. */
  readonly openForWrite?: ReadonlySet<string>;
}

interface PendingPath {
  readonly firstSeen: number;
  readonly big: boolean;
  /** Set while the file is open for writing. */
  readonly heldSince?: number;
}

const MIN_HOLD_CAP_MS = 5000;

export class Batcher {
  private readonly pending = new Map<string, PendingPath>();
  private fullRescan: { readonly since: number; readonly reason: string } | undefined;
  private running = false;
  private lastFinishedAt: number | undefined;
  /** Paths already warned about as force-pushed while open; forgotten when they are closed. */
  private readonly warnedOpen = new Set<string>();

  constructor(private readonly options: BatcherOptions) {}

  /** Number of paths waiting (held ones included). */
  get pendingPaths(): number {
    return this.pending.size;
  }

  /** Paths currently held because a writer has them open. */
  get heldPaths(): number {
    let held = 0;
    for (const entry of this.pending.values()) if (entry.heldSince !== undefined) held++;
    return held;
  }

  /** Why the next batch is a full rescan, if it is. */
  get fullRescanReason(): string | undefined {
    return this.fullRescan?.reason;
  }

  add(paths: Iterable<string>, now: number, extras: AddExtras = {}): void {
    const threshold = this.options.bigThreshold;
    for (const path of paths) {
      const previous = this.pending.get(path);
      const open = extras.openForWrite?.has(path) === true;
      const size = extras.sizes?.get(path);
      const entry: PendingPath = {
        firstSeen: previous?.firstSeen ?? now,
        big: threshold > 0 && size !== undefined && size >= threshold,
        ...(open ? { heldSince: previous?.heldSince ?? now } : {}),
      };
      this.pending.set(path, entry);
      if (!open) this.warnedOpen.delete(path);
    }
  }

  /** Everything may have changed: the next batch rescans the whole tree. */
  requestFullRescan(now: number, reason = 'full rescan requested'): void {
    this.fullRescan ??= { since: now, reason };
  }

  /** The watcher's hints, as they come. */
  addHints(hints: WatchHints, now: number): void {
    if (hints.fullRescan) this.requestFullRescan(now, hints.reason);
    const extras: AddExtras = {
      ...(hints.sizes !== undefined ? { sizes: hints.sizes } : {}),
      ...(hints.openForWrite !== undefined ? { openForWrite: hints.openForWrite } : {}),
    };
    this.add(hints.paths, now, extras);
  }

  /** When take() will have something (never before `now`); undefined = nothing pending or a batch is running. */
  nextDueAt(now: number): number | undefined {
    if (this.running) return undefined;
    let due = this.fullRescan === undefined ? Infinity : this.fullRescan.since + this.options.collectMs;
    for (const entry of this.pending.values()) due = Math.min(due, this.readyAt(entry));
    if (due === Infinity) return undefined;
    if (this.lastFinishedAt !== undefined) due = Math.max(due, this.lastFinishedAt + this.options.syncGapMs);
    return Math.max(due, now);
  }

  /**
   * What is due at `now`: 'full' (everything pending is dropped: the full rescan covers it), or the
   * paths of every due queue that are not held. Empty when nothing is due yet.
   */
  take(now: number): Set<string> | 'full' {
    const due = this.nextDueAt(now);
    if (due === undefined || due > now) return new Set();
    if (this.fullRescan !== undefined) {
      this.fullRescan = undefined;
      this.pending.clear();
      return 'full';
    }
    const dueQueues = new Set<boolean>(); // keyed by `big`
    for (const entry of this.pending.values()) if (this.readyAt(entry) <= now) dueQueues.add(entry.big);
    const taken = new Set<string>();
    for (const [path, entry] of this.pending) {
      if (!dueQueues.has(entry.big) || this.isHeldAt(entry, now)) continue;
      if (entry.heldSince !== undefined) this.warnForcedOpen(path, now - entry.heldSince);
      taken.add(path);
      this.pending.delete(path);
    }
    return taken;
  }

  batchStarted(_now: number): void {
    this.running = true;
  }

  batchFinished(now: number): void {
    this.running = false;
    this.lastFinishedAt = now;
  }

  private collectFor(entry: PendingPath): number {
    return entry.big ? this.options.collectBigMs : this.options.collectMs;
  }

  private holdCap(entry: PendingPath): number {
    return this.options.holdCapMs ?? Math.max(2 * this.collectFor(entry), MIN_HOLD_CAP_MS);
  }

  /** When this path alone would make its queue due: its window's end, or its hold cap. */
  private readyAt(entry: PendingPath): number {
    const windowEnd = entry.firstSeen + this.collectFor(entry);
    return entry.heldSince === undefined
      ? windowEnd
      : Math.max(windowEnd, entry.heldSince + this.holdCap(entry));
  }

  private isHeldAt(entry: PendingPath, now: number): boolean {
    return entry.heldSince !== undefined && now < entry.heldSince + this.holdCap(entry);
  }

  private warnForcedOpen(path: string, heldMs: number): void {
    if (this.warnedOpen.has(path)) return;
    this.warnedOpen.add(path);
    this.options.onWarning?.(
      `${JSON.stringify(path)} is still open for writing after ${(heldMs / 1000).toFixed(1)} s: ` +
        'syncing it as it is now (a writer that never closes it, such as a log, is synced every hold period)',
    );
  }
}
