// Puts a scan's entries into the snapshot's list in path order while the scan is still running,
// so that this work overlaps the stat calls instead of following them. Directories keep their children in name order; a depth-first
// walk over them gives path order, provided the subtree of `x` goes after a sibling `x-y` ('x/…'
// sorts after 'x-y'): slots and sub-directories are merged on that rule.
import type { TreeEntry } from '../types.js';

/** A directory being walked (or, for loose paths, a stand-in parent holding them). */
export interface DirRecord {
  readonly path: string;
  /** `path + '/'`: where its subtree sorts among its siblings. */
  readonly subtreeKey: string;
  readonly parent: DirRecord | undefined;
  /** Slots of its included (and auto) children, in name order. */
  readonly slots: number[];
  /** Its walked sub-directories, in name order. */
  subdirs: DirRecord[];
  /** Its listing has been processed: slots and subdirs are complete. */
  listed: boolean;
  /** Replaced by something else during the scan: its content is ignored. */
  detached: boolean;
  /** The auto-walked directory's own slot (it is an entry only if something below it is). */
  autoSlot?: number;
}

export function newRecord(path: string, parent: DirRecord | undefined): DirRecord {
  return { path, subtreeKey: `${path}/`, parent, slots: [], subdirs: [], listed: false, detached: false };
}

/** What the emitter needs to know about slots. */
export interface SlotView {
  pathOf(slot: number): string;
  /** The entry, once resolved; undefined = not included after all (vanished, unreadable…). */
  entryOf(slot: number): TreeEntry | undefined;
  /** Stats (and hash) are in, or it is known there will be none. */
  isResolved(slot: number): boolean;
  isAuto(slot: number): boolean;
}

interface Frame {
  readonly record: DirRecord;
  slot: number;
  subdir: number;
  found: number;
}

/** Holds an auto directory's place in the list until we know whether it is an entry. */
const PLACEHOLDER: TreeEntry = Object.freeze({
  path: '',
  type: 'dir',
  mode: 0,
  uid: 0,
  gid: 0,
  size: 0,
  mtimeMs: 0,
});

export class OrderedEmitter {
  /** Auto directories with something below them: they need their own lstat, then an entry. */
  readonly autoIncluded: number[] = [];
  /** Entries in path order; undefined where an auto directory turned out not to be one. */
  readonly out: (TreeEntry | undefined)[] = [];
  /** Auto slot → its place in `out`. */
  private readonly autoAt = new Map<number, number>();
  private readonly stack: Frame[] = [];
  private next = 0;

  constructor(
    private readonly view: SlotView,
    private readonly tops: readonly DirRecord[],
  ) {}

  /** Settle an auto directory's place: its entry, or undefined (not an entry after all). */
  placeAuto(slot: number, entry: TreeEntry | undefined): void {
    const at = this.autoAt.get(slot);
    if (at !== undefined) this.out[at] = entry;
  }

  /** The entries, once done (and auto directories placed); `out` itself when nothing was dropped. */
  entries(): TreeEntry[] {
    const out = this.out;
    let kept = 0;
    for (let i = 0; i < out.length; i++) {
      const entry = out[i];
      if (entry !== undefined) out[kept++] = entry;
    }
    out.length = kept;
    return out as TreeEntry[];
  }

  get done(): boolean {
    return this.stack.length === 0 && this.next === this.tops.length;
  }

  /** Emit as far as resolved slots and listed directories allow. */
  pump(): void {
    for (;;) {
      const frame = this.stack[this.stack.length - 1];
      if (frame === undefined) {
        const top = this.tops[this.next];
        if (top === undefined || !top.listed) return;
        this.next++;
        this.stack.push({ record: top, slot: 0, subdir: 0, found: 0 });
        continue;
      }
      const { slots, subdirs } = frame.record;
      const sub = subdirs[frame.subdir];
      const slot = slots[frame.slot];
      if (slot !== undefined && (sub === undefined || this.view.pathOf(slot) < sub.subtreeKey)) {
        if (!this.view.isResolved(slot)) return;
        frame.slot++;
        this.emit(slot, frame);
      } else if (sub !== undefined) {
        if (!sub.listed) return;
        frame.subdir++;
        this.stack.push({ record: sub, slot: 0, subdir: 0, found: 0 });
      } else {
        this.stack.pop();
        this.closed(frame);
      }
    }
  }

  private emit(slot: number, frame: Frame): void {
    if (this.view.isAuto(slot)) {
      this.autoAt.set(slot, this.out.length);
      this.out.push(PLACEHOLDER);
      return;
    }
    const entry = this.view.entryOf(slot);
    if (entry === undefined) return;
    this.out.push(entry);
    frame.found++;
  }

  private closed(frame: Frame): void {
    const auto = frame.record.autoSlot;
    if (auto !== undefined) {
      if (frame.found > 0) this.autoIncluded.push(auto);
      else this.placeAuto(auto, undefined);
    }
    const parent = this.stack[this.stack.length - 1];
    if (parent !== undefined) parent.found += frame.found;
  }
}
