// What the watcher hands the daemon. Events are hints: the tree and the ledger are the truth, so a
// hint only says where to look again.

export interface WatchHints {
  /**
   * Paths to rescan: relative to the watch root, '/'-separated, no leading slash, '' = the root.
   * A directory path means the directory and everything below it (a new or moved-in directory
   * must be walked; a deleted one takes its subtree with it). A path may be hinted although
   * nothing changed there (excluded temp names, files that came and went): the rescan decides.
   */
  readonly paths: Set<string>;
  /** Events may have been lost: rescan the whole tree. */
  readonly fullRescan: boolean;
  /** Why fullRescan is set (overflow, watch limit, helper restart…), for logs. */
  readonly reason?: string;
  /**
   * Paths of `paths` that a writer still has open (IN_MODIFY seen, IN_CLOSE_WRITE not yet): hold
   * them until a later hint names them without this mark, so half-written files are not pushed.
   * A path of `paths` absent from this set is complete as far as the watcher knows.
   */
  readonly openForWrite?: Set<string>;
  /**
   * Byte sizes of the hinted files that are at least `bigFileThreshold` (lstat at event time),
   * present only when that option is set; a path absent here is small or not a file.
   */
  readonly sizes?: Map<string, number>;
}

export interface WatchHandlers {
  /** May be called before startTreeWatcher resolves: events during the initial walk count. */
  onHints(hints: WatchHints): void;
  /** Something the admin must know: lost events, watch limits, helper restarts. One line each. */
  onWarning(message: string): void;
}

export interface TreeWatcherOptions {
  /** Interpreter for the helper; default: the first of /usr/bin/python3, /usr/libexec/platform-python, /usr/local/bin/python3. */
  readonly python?: string;
  /** Report `sizes` for hinted files at least this big (the batcher's big-file threshold); 0 = never stat. */
  readonly bigFileThreshold?: number;
  /** Full-rescan period while some directory cannot be watched (watch limit, helper down). Default 30 s. */
  readonly unwatchedRescanMs?: number;
  /** First helper restart delay, doubled on each quick failure up to 60 s. Default 1 s. */
  readonly restartDelayMs?: number;
}

export interface TreeWatcher {
  /** The watch root as watched: absolute, symlinks resolved. */
  readonly root: string;
  /** pid of the inotify helper; undefined while it is being restarted. For tests and status output. */
  readonly helperPid: number | undefined;
  /** Number of directories with an inotify watch. */
  readonly watchedDirectories: number;
  /**
   * Walks the tree again with the matcher as it is now (after a rules reload): watches directories
   * that became monitored, drops watches of those that no longer are, then emits a full-rescan hint
   * with `reason`. Resolves when done. Requests made while one runs share the next walk.
   */
  rewatch(reason: string): Promise<void>;
  /** Stops watching; the helper process is gone when this resolves. */
  close(): Promise<void>;
}
