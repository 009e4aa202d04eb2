// Puts a scan's entries into the snapshot Map in path order while the scan is still running, so
// that building the Map (the costliest step left on the main thread) overlaps the workers' stat
// calls instead of following them. Directories keep their children in name order; a depth-first
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

/** Holds an auto directory's place in the Map until we know whether it is an entry. */
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
  private readonly stack: Frame[] = [];
  private next = 0;

  constructor(
    private readonly view: SlotView,
    private readonly tops: readonly DirRecord[],
    readonly out: Map<string, TreeEntry>,
  ) {}

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
    const path = this.view.pathOf(slot);
    if (this.view.isAuto(slot)) {
      this.out.set(path, PLACEHOLDER);
      return;
    }
    const entry = this.view.entryOf(slot);
    if (entry === undefined) return;
    this.out.set(path, entry);
    frame.found++;
  }

  private closed(frame: Frame): void {
    const auto = frame.record.autoSlot;
    if (auto !== undefined) {
      if (frame.found > 0) this.autoIncluded.push(auto);
      else this.out.delete(this.view.pathOf(auto));
    }
    const parent = this.stack[this.stack.length - 1];
    if (parent !== undefined) parent.found += frame.found;
  }
}
