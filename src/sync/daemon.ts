// The live daemon's loop. Watch first (so nothing that happens during the initial sync is missed),
// then a full sync, then batches: the watcher's hints go to the batcher; when a batch is due the
// touched paths are rescanned (events are hints, the tree and the ledger are the truth) and the
// result is pushed to every healthy host. A failed host leaves the stream and is retried alone with
// backoff; when it answers it gets exactly what it missed (the ledger's diff), in one batch.
import { setMaxListeners } from 'node:events';
import { DAEMON_RETRY } from '../fanout/retry-policy.js';
import { foldHostlist } from '../hosts/fold-hostlist.js';
import type { Ledger } from '../ledger/ledger.js';
import type { PathMatcher } from '../rules/types.js';
import type { HashCache } from '../tree/hash-cache.js';
import { scanSubtrees } from '../tree/scan-subtrees.js';
import { scanTree } from '../tree/scan-tree.js';
import { LedgerError } from '../errors.js';
import type { HostFailure, HostReport, Snapshot } from '../types.js';
import { Batcher } from '../watch/batcher.js';
import { startTreeWatcher } from '../watch/tree-watcher.js';
import type { TreeWatcher, WatchHints } from '../watch/types.js';
import type { Logger } from '../cli/log.js';
import type { SyncConfig } from '../config/sync-config.js';
import { createProgress, withHeartbeat } from '../report/progress.js';
import { HostHealth } from './host-health.js';
import type { StatusFile } from './status-file.js';
import { syncHosts, type SyncHostsDeps, type SyncRound, type Transports } from './sync-hosts.js';

export interface DaemonDeps {
  readonly config: SyncConfig;
  readonly log: Logger;
  readonly ledger: Ledger;
  readonly transports: Transports;
  readonly status: StatusFile;
  readonly hashCache: HashCache;
  readonly hashCacheFile: string;
  readonly stageRoot: string;
  /** Re-reads rules and host list (SIGHUP); throws a UsageError when they are bad. */
  readonly reload: () => Promise<{ matcher: PathMatcher; hosts: string[] }>;
  matcher: PathMatcher;
  hosts: string[];
}

export class Daemon {
  private readonly batcher: Batcher;
  private readonly health = new HostHealth(DAEMON_RETRY, Math.random);
  private readonly abort = new AbortController();
  private snapshot: Snapshot = new Map();
  private watcher: TreeWatcher | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private reloadRequested = false;
  private batchCount = 0;
  private anyFailure = false;
  private cacheSaveFailing = false;

  constructor(private readonly deps: DaemonDeps) {
    const c = deps.config;
    // every host in flight listens for the stop signal: up to --fanout listeners, by design
    setMaxListeners(0, this.abort.signal);
    this.batcher = new Batcher({
      collectMs: c.delayCollectMs,
      collectBigMs: c.delayCollectBigfileMs,
      syncGapMs: c.delaySyncMs,
      bigThreshold: c.thresholdBigfile,
      onWarning: (m) => deps.log.warn(m),
    });
  }

  /** Runs until stop(); resolves with the exit status. */
  async run(): Promise<number> {
    const { config, log } = this.deps;
    // the matcher is read through a getter so that SIGHUP's new rules apply to new directories too
    const matcher: PathMatcher = { decide: (p, t) => this.deps.matcher.decide(p, t) };
    this.watcher = await startTreeWatcher(
      config.watchDir,
      matcher,
      { onHints: (h) => this.onHints(h), onWarning: (m) => log.warn(m) },
      { bigFileThreshold: config.thresholdBigfile },
    );
    await this.deps.status.set('initsync');
    const scan = await scanTree(config.watchDir, matcher, { hashCache: this.deps.hashCache });
    for (const w of scan.warnings) log.warn(w);
    this.snapshot = scan.snapshot;
    log.info(`initial sync: ${scan.snapshot.size} entries → ${foldHostlist(this.deps.hosts)}`);
    await this.push(this.deps.hosts, 'initial sync');
    if (!this.stopping)
      log.info(`watching ${config.watchDir} (${this.watcher.watchedDirectories} directories)`);

    while (!this.stopping) {
      await this.deps.status.set(this.health.downCount() > 0 ? 'retrying' : 'running');
      if (this.reloadRequested) await this.doReload();
      const now = Date.now();
      const taken = this.batcher.take(now);
      if (taken === 'full' || taken.size > 0) {
        await this.runBatch(taken);
        continue;
      }
      const due = this.health.due(now);
      if (due.length > 0) {
        await this.push(due, 'retry');
        continue;
      }
      if (
        config.exitOnNoEvents &&
        this.batcher.pendingPaths === 0 &&
        this.batcher.fullRescanReason === undefined
      )
        break;
      await this.sleepUntil(this.nextWakeAt(now));
    }
    await this.deps.status.set('terminating');
    return this.anyFailure && this.health.downCount() > 0 ? 1 : 0;
  }

  stop(): void {
    this.stopping = true;
    this.abort.abort();
    this.wakeUp();
  }

  requestReload(): void {
    this.reloadRequested = true;
    this.wakeUp();
  }

  /** SIGUSR2: rescan everything and resend everything to every host. */
  requestFullResync(): void {
    this.deps.log.info('full resync requested: every host gets the whole tree again');
    void this.deps.ledger.forgetAll().then(() => {
      this.batcher.requestFullRescan(Date.now(), 'full resync (SIGUSR2)');
      this.wakeUp();
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher?.close();
  }

  private onHints(hints: WatchHints): void {
    this.batcher.addHints(hints, Date.now());
    if (hints.fullRescan && hints.reason !== undefined) this.deps.log.warn(`full rescan: ${hints.reason}`);
    this.wakeUp();
  }

  private async runBatch(taken: Set<string> | 'full'): Promise<void> {
    const { config, log } = this.deps;
    const started = Date.now();
    this.batcher.batchStarted(started);
    try {
      const scan =
        taken === 'full'
          ? await scanTree(config.watchDir, this.deps.matcher, { hashCache: this.deps.hashCache })
          : await scanSubtrees(config.watchDir, this.deps.matcher, taken, this.snapshot, {
              hashCache: this.deps.hashCache,
            });
      for (const w of scan.warnings) log.warn(w);
      this.snapshot = scan.snapshot;
      const healthy = this.health.healthy(this.deps.hosts);
      await this.push(healthy, `batch ${++this.batchCount}`, started);
    } finally {
      this.batcher.batchFinished(Date.now());
    }
  }

  /** One sync round to `hosts`; updates health and logs one line. */
  private async push(hosts: readonly string[], what: string, started = Date.now()): Promise<void> {
    if (hosts.length === 0) return;
    const { config, log } = this.deps;
    // a long round (the first sync of a big tree, a big file) says every 15 s that it is alive
    const progress = createProgress({
      total: hosts.length,
      intervalMs: 2000,
      minHosts: Infinity, // no per-host lines: the round's own line follows
      heartbeatMs: 15_000,
      now: Date.now,
      write: (line) => log.info(`${what}: ${line}`),
    });
    const deps: SyncHostsDeps = {
      watchDir: config.watchDir,
      destDir: config.destDir,
      noDelete: config.noDelete,
      quickCheck: !config.ignoreTimes,
      dryRun: false,
      ledger: this.deps.ledger,
      transports: this.deps.transports,
      stageRoot: this.deps.stageRoot,
      fanout: config.fanout,
      retries: 0, // the daemon retries failed hosts on their own schedule (HostHealth)
      policy: DAEMON_RETRY,
      signal: this.abort.signal,
      log: (m) => log.verbose(m),
      onPlan: (plan) => progress.planned(plan.changes.length, plan.hosts.length),
      onHostDone: (result) => progress.hostDone(result),
      onChangeApplied: () => progress.changeApplied(),
    };
    let round: SyncRound;
    try {
      round = await withHeartbeat(progress, () => syncHosts(deps, hosts, this.snapshot));
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      this.stateDirFailed(hosts, what, error);
      return;
    }
    const cacheWarning = await this.deps.hashCache.trySave(this.deps.hashCacheFile);
    if (cacheWarning !== undefined && !this.cacheSaveFailing) log.warn(cacheWarning); // once, not per batch
    this.cacheSaveFailing = cacheWarning !== undefined;
    // stopping (SIGTERM/SIGINT): hosts cut short are not down, and the ledger resends to them
    const cutShort = (h: HostReport): boolean =>
      this.abort.signal.aborted && h.status === 'failed' && h.error?.code === 'aborted';
    const stopped = round.hosts.filter(cutShort);
    this.noteResults(round.hosts.filter((h) => !cutShort(h)));
    if (stopped.length > 0) {
      log.info(
        `${what}: stopped before ${foldHostlist(stopped.map((h) => h.host))} had it all; sent on the next start`,
      );
      if (stopped.length === round.hosts.length) return; // that said it all
    }
    const changed = new Set(round.changes.map((c) => c.path)).size;
    const ok = round.hosts.filter((h) => h.status === 'ok').length;
    // after a lost state dir: hosts the quick check found with everything in place already
    const hadIt = round.hosts.filter((h) => h.status === 'unchanged' && (h.inPlace ?? 0) > 0).length;
    const failed = round.hosts.filter((h) => h.status === 'failed' && !cutShort(h));
    if (changed > 0 || failed.length > 0) {
      log.info(
        `${what}: ${changed} path(s) → ${ok} ok` +
          (hadIt > 0 ? `, ${hadIt} had them already` : '') +
          (failed.length > 0
            ? `, ${failed.length} failed (${foldHostlist(failed.map((h) => h.host))})`
            : '') +
          ` in ${Date.now() - started} ms`,
      );
    } else {
      log.verbose(`${what}: nothing to send`);
    }
  }

  /**
   * The state dir failed us (full, read-only) before anything was sent: a daemon must not die of
   * a full /var. The hosts of this round wait for their retry with backoff, as if they had failed,
   * and then get what they missed from the ledger's diff.
   */
  private stateDirFailed(hosts: readonly string[], what: string, error: LedgerError): void {
    const failure: HostFailure = { class: 'other', code: 'state-dir', message: error.message };
    this.health.recordRoundFailure(hosts, failure, Date.now());
    this.anyFailure = true;
    this.deps.log.error(
      `${what}: not sent to ${foldHostlist(hosts)}: state: ${error.message}; trying again with backoff`,
    );
  }

  private noteResults(reports: readonly HostReport[]): void {
    const now = Date.now();
    const caughtUp: string[] = []; // held back by the state dir, not down: one line for all
    for (const r of reports) {
      if (r.status === 'failed' && r.error !== undefined) {
        this.anyFailure = true;
        const event = this.health.recordFailure(r.host, r.error, now);
        if (event?.type === 'host-down') {
          this.deps.log.warn(
            `${r.host} down: ${r.error.class}: ${r.error.message} (retrying with backoff; the others go on)`,
          );
        }
      } else if (r.status === 'ok' || r.status === 'unchanged') {
        const event = this.health.recordSuccess(r.host, now);
        if (event?.type === 'host-up' && event.lastError.code === 'state-dir') caughtUp.push(r.host);
        else if (event?.type === 'host-up') {
          this.deps.log.info(
            `${r.host} up again after ${(event.downForMs / 1000).toFixed(1)} s (${event.failures} failed attempt(s)); caught up`,
          );
        }
      }
    }
    if (caughtUp.length > 0)
      this.deps.log.info(`${foldHostlist(caughtUp)}: caught up with what the state dir held back`);
  }

  private async doReload(): Promise<void> {
    this.reloadRequested = false;
    const { log } = this.deps;
    await this.deps.status.set('rehashing');
    try {
      const { matcher, hosts } = await this.deps.reload();
      const added = hosts.filter((h) => !this.deps.hosts.includes(h));
      const removed = this.deps.hosts.filter((h) => !hosts.includes(h));
      this.deps.matcher = matcher;
      this.deps.hosts = hosts;
      this.health.retain(hosts);
      log.info(
        `reloaded rules and hosts: ${hosts.length} host(s)` +
          (added.length > 0 ? `, added ${foldHostlist(added)}` : '') +
          (removed.length > 0 ? `, dropped ${foldHostlist(removed)}` : ''),
      );
      // new rules may monitor other directories; rewatch() also hints a full rescan, after which new
      // hosts get everything through the ledger diff
      await this.watcher?.rewatch('rules reloaded');
      this.batcher.requestFullRescan(Date.now(), 'rules/hosts reloaded');
    } catch (error) {
      log.error(
        `reload failed, keeping the previous rules and hosts: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private nextWakeAt(now: number): number | undefined {
    const candidates = [this.batcher.nextDueAt(now), this.health.nextDueAt()].filter(
      (t): t is number => t !== undefined,
    );
    return candidates.length > 0 ? Math.min(...candidates) : undefined;
  }

  private sleepUntil(at: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (at !== undefined) this.timer = setTimeout(() => this.wakeUp(), Math.max(0, at - Date.now()));
    });
  }

  private wakeUp(): void {
    clearTimeout(this.timer);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
