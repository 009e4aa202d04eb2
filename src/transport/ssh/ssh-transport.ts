// `--transport ssh`: a persistent, parallel SFTP copier on ssh2. Nothing but sshd and its sftp
// subsystem is needed on the nodes, and no name ever reaches a shell. Hosts are served `fanout` at
// a time; each host gets one connection that carries the whole batch, with several changes in
// flight. Every host gets exactly one HostResult; failures are returned, not thrown.
import pLimit from 'p-limit';
import type { Algorithms } from 'ssh2';
import type { Batch, ConnectionSettings, HostResult, PushOptions, Transport } from '../../types.js';
import { applyBatch, DEFAULT_APPLY_TUNING, type ApplyTuning } from './apply-batch.js';
import { BatchContent } from './batch-content.js';
import { changeDependencies } from './change-order.js';
import { classifySshError } from './classify-ssh-error.js';
import { openSshConnection, type SshConnection } from './connect-ssh.js';
import { ConnectionPool, type SshTransportStats } from './connection-pool.js';
import { KnownHostsStore } from './host-key-policy.js';
import { SFTP_STATUS, HostAbortedError, SshConnectionLostError, SshTimeoutError } from './ssh-errors.js';
import { EndpointResolver, type EndpointEnvironment } from './ssh-endpoint.js';
import { OrphanTemps } from './orphan-temps.js';
import { isStatus } from './sftp-session.js';

export interface SshTransportOptions {
  /** Watch mode: keep each host's connection between pushes. */
  readonly keepConnections?: boolean;
  /** Close a kept connection unused for this long (default 60 s). */
  readonly idleCloseMs?: number;
  /** Keepalive interval of kept connections (default 15 s; 3 unanswered = dead). */
  readonly keepaliveIntervalMs?: number;
  /** Fail a host whose node leaves SFTP requests unanswered this long (default max(10 s, 2 × connect timeout)). */
  readonly stallTimeoutMs?: number;
  readonly tuning?: Partial<ApplyTuning>;
  /** ssh2 algorithm lists (kex, cipher…) instead of its defaults (curve25519-sha256, aes128-gcm first). */
  readonly algorithms?: Algorithms;
  /** Things worth telling the user that are not failures (ignored config lines, kept directories). */
  readonly onNote?: (message: string) => void;
  /** For tests: home, local user and agent socket instead of the process's. */
  readonly environment?: EndpointEnvironment;
  /**
   * Where temp files that a lost connection left on a node are listed (orphan-temps.ts), so that a
   * later run removes them; undefined = only this process remembers them.
   */
  readonly orphanFile?: string;
  /**
   * What temp names end with (`.<name>.clsync-hpc.<tag>`), the same on every run of one job from
   * one state dir: a temp that a killed run (kill -9, power cut) left on a node is then the very
   * name the next push of that path creates, so it is cleared and renamed away then (the ledger
   * resends every path that was in flight). Only the holder of the job's lock pushes with it.
   * Default: each batch's id.
   */
  readonly tempTag?: string;
}

/** A stopped push (SIGINT/SIGTERM) may take this long to finish its requests in flight and remove its temp files. */
const ABORT_GRACE_MS = 3000;

/** How one host's push ended: every change applied (some perhaps already in place), or the error that stopped it. */
type HostRun =
  { readonly failed: false; readonly inPlace: number } | { readonly failed: true; readonly error: unknown };

/** What one host is sent in one push. */
interface HostJob {
  readonly host: string;
  readonly batch: Batch;
  readonly content: BatchContent;
  readonly deps: number[][];
  readonly onChangeApplied: ((host: string) => void) | undefined;
}

/** How a host's run is stopped: its signal fires on the operation deadline or on a stop (SIGINT/SIGTERM). */
interface HostStop {
  readonly signal: AbortSignal;
  readonly reason: () => 'deadline' | 'abort' | undefined;
  /** The error a stopped host reports (a timeout or an abort). */
  readonly error: () => Error;
}

export interface SshTransport extends Transport {
  readonly name: 'ssh';
  /** Connection counters, for tests and benchmarks. */
  stats(): SshTransportStats;
}

export function createSshTransport(
  settings: ConnectionSettings,
  options: SshTransportOptions = {},
): SshTransport {
  const resolver = new EndpointResolver(settings, options.environment);
  const knownHosts = new KnownHostsStore();
  const keep = options.keepConnections === true;
  const tuning: ApplyTuning = { ...DEFAULT_APPLY_TUNING, ...options.tuning };
  const stallTimeoutMs =
    options.stallTimeoutMs ??
    Math.min(settings.operationTimeoutMs, Math.max(10_000, 2 * settings.connectTimeoutMs));
  const pool = new ConnectionPool(
    async (host, signal) =>
      openSshConnection(await resolver.resolve(host), {
        knownHosts,
        keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: 3,
        stallTimeoutMs,
        ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
        ...(signal !== undefined ? { signal } : {}),
      }),
    keep,
    options.idleCloseMs ?? 60_000,
  );
  /** Temp files a failed push could not remove, per host: removed first thing on the next connection. */
  let orphans: OrphanTemps | undefined;
  let prepared: Promise<void> | undefined;

  async function pushHost(
    host: string,
    batch: Batch,
    content: BatchContent,
    deps: number[][],
    pushOptions: PushOptions,
  ): Promise<HostResult> {
    const { signal } = pushOptions;
    const startedAt = Date.now();
    const ac = new AbortController();
    let stopReason: 'deadline' | 'abort' | undefined;
    const stop = (why: 'deadline' | 'abort'): void => {
      stopReason ??= why;
      ac.abort();
    };
    const timer = setTimeout(() => stop('deadline'), settings.operationTimeoutMs);
    const onAbort = (): void => stop('abort');
    signal?.addEventListener('abort', onAbort, { once: true });
    const stopError = (): Error =>
      stopReason === 'deadline'
        ? new SshTimeoutError(
            'operation',
            `batch not finished within ${Math.round(settings.operationTimeoutMs / 1000)} s (operation timeout)`,
          )
        : new HostAbortedError();
    try {
      if (signal?.aborted) stop('abort');
      const run: HostRun = ac.signal.aborted
        ? { failed: true, error: stopError() }
        : await runOnHost(
            { host, batch, content, deps, onChangeApplied: pushOptions.onChangeApplied },
            { signal: ac.signal, reason: () => stopReason, error: stopError },
          );
      const finishedAt = Date.now();
      if (!run.failed) {
        return {
          host,
          batchId: batch.id,
          ok: true,
          startedAt,
          finishedAt,
          ...(run.inPlace > 0 ? { inPlace: run.inPlace } : {}),
        };
      }
      const error = stopReason !== undefined ? stopError() : run.error;
      return { host, batchId: batch.id, ok: false, error: classifySshError(error), startedAt, finishedAt };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function runOnHost(job: HostJob, stop: HostStop): Promise<HostRun> {
    const { host, batch, content, deps, onChangeApplied } = job;
    const { signal, reason } = stop;
    for (let attempt = 0; ; attempt++) {
      let conn: SshConnection;
      let reused: boolean;
      try {
        ({ conn, reused } = await pool.acquire(host, signal));
      } catch (err) {
        return { failed: true, error: err };
      }
      // out of time: the node may be frozen, drop the session now. Stopped (SIGINT/SIGTERM): let
      // applyBatch finish what is in flight and remove its temp files, within ABORT_GRACE_MS.
      const kill = (): void => conn.session.kill(stop.error());
      let grace: NodeJS.Timeout | undefined;
      const onStop = (): void => {
        if (reason() === 'deadline') return kill();
        grace = setTimeout(kill, ABORT_GRACE_MS);
        grace.unref();
      };
      signal.addEventListener('abort', onStop, { once: true });
      try {
        await removeOrphans(host, conn);
        const out = await applyBatch(conn.session, batch, content, deps, tuning, {
          stop: signal,
          ...(options.tempTag !== undefined ? { tempTag: options.tempTag } : {}),
          ...(onChangeApplied !== undefined ? { onApplied: () => onChangeApplied(host) } : {}),
        });
        orphans?.add(host, out.leftoverTemps);
        for (const dir of out.keptDirs) options.onNote?.(`${host}: ${dir} not deleted: directory not empty`);
        if (out.error === undefined) {
          pool.release(host, conn);
          return { failed: false, inPlace: out.inPlace };
        }
        // a kept connection can die quietly between pushes: retry once on a fresh one (the batch
        // is idempotent), unless the host ran out of time or was aborted
        const stale =
          out.error instanceof SshConnectionLostError ||
          (out.error instanceof SshTimeoutError && out.error.phase === 'stall');
        if (reused && attempt === 0 && stale && !signal.aborted) {
          conn.close();
          continue;
        }
        if (conn.session.dead !== undefined) conn.close();
        else pool.release(host, conn);
        return { failed: true, error: out.error };
      } finally {
        clearTimeout(grace);
        signal.removeEventListener('abort', onStop);
      }
    }
  }

  async function removeOrphans(host: string, conn: SshConnection): Promise<void> {
    const list = orphans;
    if (list === undefined) return;
    await Promise.all(
      list.of(host).map((tmp) =>
        conn.session.unlink(tmp).then(
          () => list.remove(host, tmp),
          (err: unknown) => {
            if (isStatus(err, SFTP_STATUS.NO_SUCH_FILE)) list.remove(host, tmp);
          },
        ),
      ),
    );
  }

  /** The orphan list as it is after a push; a state dir we cannot write costs a note, not the push. */
  async function saveOrphans(): Promise<void> {
    try {
      await orphans?.save();
    } catch (err) {
      options.onNote?.(
        `cannot record leftover temp files in ${options.orphanFile}: ${(err as Error).message}`,
      );
    }
  }

  const prepare = (): Promise<void> =>
    (prepared ??= Promise.all([resolver.prepare(), OrphanTemps.load(options.orphanFile)]).then(
      ([notes, list]) => {
        orphans = list;
        notes.forEach((n) => options.onNote?.(n));
      },
    ));

  return {
    name: 'ssh',
    prewarm(hosts: readonly string[]): void {
      // a broken config is the push's to report (it awaits the same promise)
      prepare().then(
        () => hosts.forEach((host) => pool.prewarm(host)),
        () => undefined,
      );
    },
    async push(batch: Batch, hosts: readonly string[], pushOptions: PushOptions): Promise<HostResult[]> {
      await prepare(); // a broken ssh config or -i key stops the whole run (TransportError)
      const content = new BatchContent(batch);
      const deps = changeDependencies(batch.changes.map((c) => c.path));
      const limit = pLimit(Math.max(1, pushOptions.fanout));
      const results = await Promise.all(
        hosts.map((host) =>
          limit(async () => {
            const result = await pushHost(host, batch, content, deps, pushOptions);
            pushOptions.onHostDone?.(result);
            return result;
          }),
        ),
      );
      await saveOrphans();
      return results;
    },
    stats: () => pool.stats(),
    close: () => pool.closeAll(),
  };
}
