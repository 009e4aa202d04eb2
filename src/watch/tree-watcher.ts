// The watching edge: keeps an inotify watch on every monitored directory of the tree and turns
// what the kernel reports into WatchHints. Lost events never pass silently: queue overflow, watch
// limits and helper deaths all end in a warning and a full-rescan hint.
import { realpathSync, statSync } from 'node:fs';
import type { PathMatcher } from '../rules/types.js';
import { EventInterpreter } from './event-interpreter.js';
import { findSystemPython, SYSTEM_PYTHONS } from './find-python.js';
import type { InotifyEvent } from './inotify-event.js';
import { InotifyHelper } from './inotify-helper.js';
import { buildPathHints } from './path-hints.js';
import type { TreeWatcher, TreeWatcherOptions, WatchHandlers } from './types.js';
import { WatchError } from './watch-error.js';
import { watchSubtree, type SubtreeWatchOutcome } from './watch-subtree.js';
import { WatchTable } from './watch-table.js';
import { describeUnwatched, describeUnreadable, sysctl } from './watch-warnings.js';

const DEFAULT_UNWATCHED_RESCAN_MS = 30_000;
const DEFAULT_RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 60_000;
/** A helper that ran this long before dying restarts after the base delay again. */
const HEALTHY_RUN_MS = 60_000;
/** Signals sent to a whole process group or cgroup to stop it (see onHelperExit). */
const STOP_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGTERM', 'SIGINT', 'SIGHUP']);
const GROUP_SIGNAL_GRACE_MS = 300;

/**
 * Watches `root` (directories only; matcher.decide(dir, 'dir').monitor says which) and resolves
 * once every monitored directory has its watch, so the caller's initial scan misses nothing.
 */
export async function startTreeWatcher(
  root: string,
  matcher: PathMatcher,
  handlers: WatchHandlers,
  options: TreeWatcherOptions = {},
): Promise<TreeWatcher> {
  const absoluteRoot = resolveRoot(root);
  const python = options.python ?? findSystemPython();
  if (python === undefined) {
    throw new WatchError(
      `no system python3 for the inotify helper (looked for ${SYSTEM_PYTHONS.join(', ')})`,
    );
  }
  const watcher = new RunningTreeWatcher(absoluteRoot, matcher, handlers, python, options);
  await watcher.start();
  return watcher;
}

function resolveRoot(root: string): string {
  let absolute: string;
  try {
    absolute = realpathSync(root);
  } catch (error) {
    throw new WatchError(`cannot watch ${root}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!statSync(absolute).isDirectory()) throw new WatchError(`cannot watch ${root}: not a directory`);
  return absolute;
}

class RunningTreeWatcher implements TreeWatcher {
  private helper: InotifyHelper | undefined;
  private readonly table = new WatchTable();
  private readonly interpreter: EventInterpreter;
  private epoch = 0;
  /** Directories that exist but have no watch: path → why. */
  private readonly unwatched = new Map<string, string>();
  private rootLost: string | undefined;
  private closed = false;
  private resyncRunning = false;
  /** The last resync in the queue; a new request waits for it. */
  private resyncTail: Promise<void> = Promise.resolve();
  /** A resync queued but not started yet: it serves every request made until it starts. */
  private resyncQueued: Promise<void> | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelayMs: number;
  private helperStartedAt = 0;

  constructor(
    readonly root: string,
    private readonly matcher: PathMatcher,
    private readonly handlers: WatchHandlers,
    private readonly python: string,
    private readonly options: TreeWatcherOptions,
  ) {
    this.interpreter = new EventInterpreter(this.table, matcher);
    this.restartDelayMs = options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS;
  }

  get helperPid(): number | undefined {
    return this.helper?.pid;
  }

  get watchedDirectories(): number {
    return this.table.size;
  }

  async start(): Promise<void> {
    await this.startHelper();
    // the caller's initial scan is a full scan: report problems, but no full-rescan hint
    this.report(await this.watchFrom('', this.epoch), false);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.rescanTimer);
    clearTimeout(this.restartTimer);
    await this.helper?.stop();
    this.helper = undefined;
  }

  private async startHelper(): Promise<void> {
    const helper = await InotifyHelper.start(this.python, {
      onEvents: (events) => this.onEvents(events),
      onExit: (reason, signal) => this.onHelperExit(reason, signal, false),
    });
    if (this.closed) {
      await helper.stop();
      return;
    }
    this.helper = helper;
    this.helperStartedAt = Date.now();
  }

  private watchFrom(dir: string, epoch: number): Promise<SubtreeWatchOutcome> {
    const helper = this.helper;
    return watchSubtree(dir, {
      root: this.root,
      matcher: this.matcher,
      table: this.table,
      epoch,
      addWatch: (path, onReply) =>
        helper === undefined
          ? Promise.resolve({ ok: false, code: 'EHELPERGONE' })
          : helper.addWatch(path, onReply),
    });
  }

  private onEvents(events: readonly InotifyEvent[]): void {
    if (this.closed) return;
    const found = this.interpreter.interpret(events);
    for (const warning of found.warnings) this.handlers.onWarning(warning);
    for (const dir of found.departedDirs) this.unwatchBelow(dir);
    if (found.paths.size > 0) this.emitPaths(found.paths);
    for (const dir of found.newDirs) void this.watchNewDirectory(dir);
    if (found.rootLost !== undefined) this.onRootLost(found.rootLost);
    else if (found.overflow) {
      this.handlers.onWarning(
        `inotify queue overflowed (fs.inotify.max_queued_events=${sysctl('max_queued_events')}): ` +
          'events were lost; doing a full rescan',
      );
      void this.requestResync('inotify queue overflow');
    }
  }

  /** A new directory is hinted only once it is watched: the rescan then cannot miss a file in it. */
  private async watchNewDirectory(dir: string): Promise<void> {
    const outcome = await this.watchFrom(dir, this.epoch);
    if (this.closed || outcome.helperGone) return;
    this.report(outcome, true);
    this.emitPaths(new Set([dir]));
  }

  private unwatchBelow(dir: string): void {
    for (const [path, wd] of this.table.entriesBelow(dir)) {
      this.helper?.removeWatch(wd);
      this.table.removeWd(wd);
      this.unwatched.delete(path);
    }
  }

  /**
   * Events were lost, so the watch table may be wrong too (directories created, moved or deleted
   * unseen): walk the whole tree again, drop watches the walk did not confirm, then full rescan.
   */
  private requestResync(reason: string): Promise<void> {
    if (this.resyncQueued !== undefined) return this.resyncQueued;
    const run = this.resyncTail.then(async () => {
      this.resyncQueued = undefined;
      if (this.closed) return;
      this.resyncRunning = true;
      try {
        await this.resync(reason);
      } finally {
        this.resyncRunning = false;
      }
    });
    this.resyncQueued = run;
    this.resyncTail = run.catch(() => undefined);
    return run;
  }

  private async resync(reason: string): Promise<void> {
    this.interpreter.reset();
    const epoch = ++this.epoch;
    const outcome = await this.watchFrom('', epoch);
    if (this.closed || outcome.helperGone) return;
    for (const [, wd] of this.table.entriesConfirmedBefore(epoch)) {
      this.helper?.removeWatch(wd);
      this.table.removeWd(wd);
    }
    for (const dir of this.unwatched.keys()) {
      if (!outcome.unwatched.has(dir) && !outcome.unreadable.has(dir)) this.unwatched.delete(dir);
    }
    if (this.table.wdOf('') !== undefined) this.rootLost = undefined;
    this.report(outcome, false);
    this.emitFull(reason);
  }

  async rewatch(reason: string): Promise<void> {
    if (this.closed) return;
    await this.requestResync(reason);
  }

  private onRootLost(reason: string): void {
    this.handlers.onWarning(
      `${reason} (${this.root}): nothing is watched until it is back; doing a full rescan`,
    );
    this.rootLost = reason;
    this.unwatchBelow('');
    this.interpreter.reset();
    this.emitFull(reason);
    this.ensureRescanTimer();
  }

  private onHelperExit(reason: string, signal: NodeJS.Signals | null, afterGrace: boolean): void {
    this.helper = undefined;
    this.table.clear();
    this.interpreter.reset();
    if (this.closed) return;
    if (!afterGrace && signal !== null && STOP_SIGNALS.has(signal)) {
      // systemd (KillMode=control-group), timeout(1) and a terminal's Ctrl-C signal the whole
      // group: the same signal is on its way to us, and our stop closes the watcher. Only if it
      // does not is the helper's death news.
      setTimeout(() => this.onHelperExit(reason, signal, true), GROUP_SIGNAL_GRACE_MS).unref();
      return;
    }
    const livedMs = Date.now() - this.helperStartedAt;
    if (livedMs >= HEALTHY_RUN_MS)
      this.restartDelayMs = this.options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS;
    this.handlers.onWarning(
      `${reason}; restarting it in ${this.restartDelayMs} ms, then doing a full rescan`,
    );
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(MAX_RESTART_DELAY_MS, delay * 2);
    this.ensureRescanTimer();
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    try {
      await this.startHelper();
    } catch (error) {
      if (this.closed) return;
      this.handlers.onWarning(`${(error as Error).message}; retrying in ${this.restartDelayMs} ms`);
      this.scheduleRestart();
      return;
    }
    if (this.closed) return;
    void this.requestResync('inotify helper restarted');
  }

  /** Full rescans on a timer while anything is unwatched; retries the watches first. */
  private ensureRescanTimer(): void {
    if (this.rescanTimer !== undefined) return;
    const period = this.options.unwatchedRescanMs ?? DEFAULT_UNWATCHED_RESCAN_MS;
    this.rescanTimer = setInterval(() => void this.rescanUnwatched(), period);
  }

  private async rescanUnwatched(): Promise<void> {
    if (this.closed || this.resyncRunning) return;
    if (this.helper === undefined) {
      this.emitFull('the inotify helper is not running');
      return;
    }
    if (this.rootLost !== undefined) {
      await this.requestResync(this.rootLost);
    } else {
      for (const dir of [...this.unwatched.keys()]) {
        const outcome = await this.watchFrom(dir, this.epoch);
        if (outcome.helperGone || this.closed) return;
        if (!outcome.unwatched.has(dir) && !outcome.unreadable.has(dir)) this.unwatched.delete(dir);
        this.report(outcome, false);
      }
      this.emitFull(
        this.unwatched.size === 0
          ? 'unwatched directories are watched again'
          : `${this.unwatched.size} directories cannot be watched`,
      );
    }
    if (this.unwatched.size === 0 && this.rootLost === undefined && this.helper !== undefined) {
      clearInterval(this.rescanTimer);
      this.rescanTimer = undefined;
      this.handlers.onWarning('every monitored directory is watched again');
    }
  }

  /** Warns about directories not known to be unwatched yet (a retry that fails again stays quiet). */
  private report(outcome: SubtreeWatchOutcome, rescanNow: boolean): void {
    if (outcome.helperGone) return;
    for (const dir of outcome.undecodable) {
      this.handlers.onWarning(
        `a subdirectory of ${JSON.stringify(dir)} has a name that is not valid UTF-8: it is not watched`,
      );
    }
    const fresh = (failures: ReadonlyMap<string, string>): Map<string, string> =>
      new Map([...failures].filter(([dir]) => !this.unwatched.has(dir)));
    const unwatched = fresh(outcome.unwatched);
    const unreadable = fresh(outcome.unreadable);
    if (unwatched.size > 0) this.handlers.onWarning(describeUnwatched(unwatched, this.rescanPeriodMs()));
    if (unreadable.size > 0) this.handlers.onWarning(describeUnreadable(unreadable));
    for (const [dir, code] of [...outcome.unwatched, ...outcome.unreadable]) this.unwatched.set(dir, code);
    if (outcome.unwatched.size + outcome.unreadable.size === 0) return;
    if (rescanNow) this.emitFull('some directories cannot be watched');
    this.ensureRescanTimer();
  }

  private rescanPeriodMs(): number {
    return this.options.unwatchedRescanMs ?? DEFAULT_UNWATCHED_RESCAN_MS;
  }

  private emitFull(reason: string): void {
    if (!this.closed) this.handlers.onHints({ paths: new Set(), fullRescan: true, reason });
  }

  private emitPaths(paths: Set<string>): void {
    if (this.closed) return;
    const threshold = this.options.bigFileThreshold ?? 0;
    this.handlers.onHints(buildPathHints(this.root, paths, this.interpreter.openForWrite, threshold));
  }
}
