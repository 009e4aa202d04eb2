// Which directory each inotify watch descriptor stands for. The kernel keys watches by inode, so
// after a directory is renamed its watches (and those of its whole subtree) keep their wds but
// their paths are stale: movePrefix re-keys them. Paths are relative to the watch root ('' = root).

export function isSameOrBelow(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

export function joinRelative(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

export class WatchTable {
  private readonly pathByWd = new Map<number, string>();
  private readonly wdByPath = new Map<string, number>();
  /** When each watch was last confirmed by a walk (see entriesConfirmedBefore). */
  private readonly epochByWd = new Map<number, number>();

  get size(): number {
    return this.pathByWd.size;
  }

  pathOf(wd: number): string | undefined {
    return this.pathByWd.get(wd);
  }

  wdOf(path: string): number | undefined {
    return this.wdByPath.get(path);
  }

  /** Records that `wd` watches `path`; either may have stood for something else before. */
  set(wd: number, path: string, epoch?: number): void {
    const oldPath = this.pathByWd.get(wd);
    if (oldPath !== undefined && this.wdByPath.get(oldPath) === wd) this.wdByPath.delete(oldPath);
    const oldWd = this.wdByPath.get(path);
    // the same path with a new inode (deleted and re-created): the old wd's IN_IGNORED is on its way
    if (oldWd !== undefined && oldWd !== wd) {
      this.pathByWd.delete(oldWd);
      this.epochByWd.delete(oldWd);
    }
    this.pathByWd.set(wd, path);
    this.wdByPath.set(path, wd);
    if (epoch !== undefined) this.epochByWd.set(wd, epoch);
  }

  /** Forgets `wd` (IN_IGNORED); returns the path it stood for. */
  removeWd(wd: number): string | undefined {
    const path = this.pathByWd.get(wd);
    if (path === undefined) return undefined;
    this.pathByWd.delete(wd);
    this.epochByWd.delete(wd);
    if (this.wdByPath.get(path) === wd) this.wdByPath.delete(path);
    return path;
  }

  /**
   * Watches no walk has confirmed since `epoch` began. After lost events (queue overflow) a full
   * walk re-confirms every directory that still exists in the tree; the rest watch directories that
   * left it or vanished while their events were lost.
   */
  entriesConfirmedBefore(epoch: number): Array<[path: string, wd: number]> {
    return [...this.wdByPath].filter(([, wd]) => (this.epochByWd.get(wd) ?? -1) < epoch);
  }

  clear(): void {
    this.pathByWd.clear();
    this.wdByPath.clear();
    this.epochByWd.clear();
  }

  /** Watches on `dir` and below, e.g. to remove them after the subtree left the tree. */
  entriesBelow(dir: string): Array<[path: string, wd: number]> {
    return [...this.wdByPath].filter(([path]) => isSameOrBelow(path, dir));
  }

  /** A directory moved from `from` to `to` inside the tree: its watches follow it. */
  movePrefix(from: string, to: string): void {
    for (const [path, wd] of this.entriesBelow(from)) {
      this.set(wd, to + path.slice(from.length));
    }
  }

  paths(): IterableIterator<string> {
    return this.wdByPath.keys();
  }
}
