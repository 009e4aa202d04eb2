// Turns decoded inotify events into what needs doing: paths to rescan, directories to start
// watching, directories that left the tree. Pure apart from its own state (the watch table, which
// files are open for writing, half-seen directory moves), so every case is tested without a kernel.
import type { PathMatcher } from '../rules/types.js';
import type { InotifyEvent } from './inotify-event.js';
import { eventKind, isDirEvent, IN_IGNORED, IN_UNMOUNT } from './inotify-mask.js';
import { isSameOrBelow, joinRelative, type WatchTable } from './watch-table.js';

export interface Interpretation {
  /** Paths to rescan now; a directory means its whole subtree. */
  readonly paths: Set<string>;
  /**
   * Directories that appeared (created, or moved in from elsewhere): watch them and their subtree
   * first, then hint them, so a file created before the watch existed is found by the rescan.
   */
  readonly newDirs: string[];
  /** Directories that left the tree with their watches still on them: remove those watches. */
  readonly departedDirs: string[];
  readonly overflow: boolean;
  /** Set when the watch on the root itself ended (root deleted, moved away or unmounted). */
  readonly rootLost?: string;
  readonly warnings: string[];
}

/** Interpretation while it is being built. */
type Draft = { -readonly [K in keyof Interpretation]: Interpretation[K] };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class EventInterpreter {
  /** Files whose last content event was IN_MODIFY with no IN_CLOSE_WRITE since. */
  readonly openForWrite = new Set<string>();
  /** Directory IN_MOVED_FROM cookies waiting for their IN_MOVED_TO. */
  private readonly pendingDirMoves = new Map<number, string>();

  constructor(
    private readonly table: WatchTable,
    private readonly matcher: PathMatcher,
  ) {}

  /** Forget per-event state (after the helper restarted or events were lost). */
  reset(): void {
    this.openForWrite.clear();
    this.pendingDirMoves.clear();
  }

  interpret(events: readonly InotifyEvent[]): Interpretation {
    const result: Draft = {
      paths: new Set(),
      newDirs: [],
      departedDirs: [],
      overflow: false,
      warnings: [],
    };
    for (const event of events) this.interpretOne(event, result);
    // A move whose IN_MOVED_TO never came went out of the tree (or to an excluded place). In the
    // rare case the pair was split across two reads, the IN_MOVED_TO then registers it afresh.
    for (const from of this.pendingDirMoves.values()) result.departedDirs.push(from);
    this.pendingDirMoves.clear();
    return result;
  }

  private interpretOne(event: InotifyEvent, result: Draft): void {
    const kind = eventKind(event.mask);
    if (kind === 'overflow') {
      result.overflow = true;
      return;
    }
    const dir = this.table.pathOf(event.wd);
    if (dir === undefined) return; // a watch already removed: its late events say nothing new
    if (event.name.length === 0) {
      this.interpretSelf(event, dir, result);
      return;
    }
    let name: string;
    try {
      name = utf8.decode(event.name);
    } catch {
      // the tree layer works with strings; let it rescan the parent and see what it can
      result.paths.add(dir);
      result.warnings.push(
        `a name in ${dir === '' ? 'the root directory' : JSON.stringify(dir)} is not valid UTF-8: rescanning the directory`,
      );
      return;
    }
    const path = joinRelative(dir, name);
    if (isDirEvent(event.mask)) this.interpretDir(kind, path, event.cookie, result);
    else this.interpretFile(kind, path, result);
  }

  /** Events about a watched directory itself (empty name). */
  private interpretSelf(event: InotifyEvent, dir: string, result: Draft): void {
    if (event.mask & IN_IGNORED) this.table.removeWd(event.wd);
    if (dir === '' && eventKind(event.mask) === 'dir-gone') {
      result.rootLost ??=
        event.mask & IN_UNMOUNT
          ? 'the file system holding the watch root was unmounted'
          : 'the watch root was deleted or moved away';
      return;
    }
    // IN_ATTRIB on the directory, or the end of a subdirectory (its parent's event says the same)
    if (!(event.mask & IN_IGNORED)) result.paths.add(dir);
  }

  private interpretFile(kind: string, path: string, result: Draft): void {
    // A symlink's events look like a file's: ask for both, the rescan knows which it is.
    if (!this.matcher.decide(path, 'file').sync && !this.matcher.decide(path, 'symlink').sync) return;
    result.paths.add(path);
    if (kind === 'modify') this.openForWrite.add(path);
    else if (kind === 'close-write' || kind === 'delete' || kind === 'moved-from' || kind === 'moved-to') {
      this.openForWrite.delete(path);
    }
  }

  private interpretDir(kind: string, path: string, cookie: number, result: Draft): void {
    const decision = this.matcher.decide(path, 'dir');
    if (!decision.sync && !decision.walk && !decision.monitor) return;
    switch (kind) {
      case 'create':
        result.newDirs.push(path);
        return;
      case 'moved-from':
        this.pendingDirMoves.set(cookie, path);
        this.forgetOpenBelow(path);
        result.paths.add(path);
        return;
      case 'moved-to': {
        const from = this.pendingDirMoves.get(cookie);
        this.pendingDirMoves.delete(cookie);
        // a rename inside the tree: the subtree's watches stay (same inodes); re-key them now so
        // the events that follow are reported under the new name
        if (from !== undefined) this.table.movePrefix(from, path);
        result.newDirs.push(path);
        return;
      }
      case 'delete':
        this.forgetOpenBelow(path);
        result.paths.add(path);
        return;
      default:
        result.paths.add(path);
    }
  }

  private forgetOpenBelow(dir: string): void {
    for (const path of this.openForWrite) if (isSameOrBelow(path, dir)) this.openForWrite.delete(path);
  }
}
