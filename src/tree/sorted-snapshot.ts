// A Snapshot held as the array of its entries in path order: a full scan produces entries in
// that order anyway, and putting a million of them into a Map cost more than the scan's own work
// on its thread. Lookups (get/has) build a Map index on first use, so code that only iterates
// (the merge-join in diff-snapshots.ts, manifest encoding) never pays for one.
import type { Snapshot, TreeEntry } from '../types.js';

export class SortedSnapshot implements Snapshot {
  private index: Map<string, TreeEntry> | undefined;

  /** `list` must be in strictly increasing path order (comparePaths); it is not copied. */
  constructor(readonly list: readonly TreeEntry[]) {}

  get size(): number {
    return this.list.length;
  }

  get(path: string): TreeEntry | undefined {
    return this.lookup().get(path);
  }

  has(path: string): boolean {
    return this.lookup().has(path);
  }

  forEach(
    callback: (value: TreeEntry, key: string, map: ReadonlyMap<string, TreeEntry>) => void,
    thisArg?: unknown,
  ): void {
    for (const entry of this.list) callback.call(thisArg, entry, entry.path, this);
  }

  *keys(): IterableIterator<string> {
    for (const entry of this.list) yield entry.path;
  }

  values(): IterableIterator<TreeEntry> {
    return this.list.values();
  }

  *entries(): IterableIterator<[string, TreeEntry]> {
    for (const entry of this.list) yield [entry.path, entry];
  }

  [Symbol.iterator](): IterableIterator<[string, TreeEntry]> {
    return this.entries();
  }

  private lookup(): Map<string, TreeEntry> {
    this.index ??= new Map(this.list.map((e) => [e.path, e]));
    return this.index;
  }
}
