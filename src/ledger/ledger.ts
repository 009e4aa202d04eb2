// Per-host state of one sync job, kept in <stateDir>/<jobKey>/: which manifest each host has,
// which paths are in doubt, and how the host has been failing. Every change is durable before
// the call resolves, so a kill -9 at any moment costs at most a resend (in-flight paths are dirty).
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LedgerError } from '../errors.js';
import type { Snapshot } from '../types.js';
import { atomicWriteFile, TEMP_MARKER } from './atomic-write-file.js';
import { decodeHosts, DirtyLists, encodeHosts } from './hosts-file.js';
import { JobLock } from './job-lock.js';
import { type HostLedgerState, type LedgerResult, UNKNOWN_HOST } from './ledger-types.js';
import { ManifestStore } from './manifest-store.js';

/** The job's own directory in the state dir: the ledger, and what transports keep for the job. */
export function ledgerDir(stateDir: string, jobKey: string): string {
  return join(stateDir, jobKey);
}

export class Ledger {
  /** Things open() repaired, one line each (e.g. a host whose manifest file was missing). */
  readonly warnings: string[] = [];
  private readonly lists = new DirtyLists();
  private hosts = new Map<string, HostLedgerState>();
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly lock: JobLock | undefined,
    private readonly manifests: ManifestStore,
  ) {}

  /**
   * Creates the job directory if needed and takes its lock (LedgerError if another process holds
   * it). `readOnly` (dry runs) takes no lock, creates and repairs nothing, and refuses writes, so a
   * plan can be printed while the daemon of the same job runs; a missing state dir reads as empty.
   */
  static async open(stateDir: string, jobKey: string, options: { readOnly?: boolean } = {}): Promise<Ledger> {
    const dir = ledgerDir(stateDir, jobKey);
    if (options.readOnly === true) {
      const ledger = new Ledger(dir, undefined, await ManifestStore.openReadOnly(join(dir, 'manifests')));
      await ledger.load();
      return ledger;
    }
    try {
      await mkdir(join(dir, 'manifests'), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new LedgerError(`cannot create state dir ${dir}: ${(error as Error).message}`);
    }
    const lock = await JobLock.acquire(join(dir, 'lock'));
    try {
      const ledger = new Ledger(dir, lock, await ManifestStore.open(join(dir, 'manifests')));
      await ledger.load();
      return ledger;
    } catch (error) {
      await lock.release();
      if (error instanceof LedgerError) throw error;
      throw new LedgerError(`cannot open state dir ${dir}: ${(error as Error).message}`);
    }
  }

  /** State of `host`; a host never seen has no manifest, nothing dirty, no failures. */
  hostState(host: string): HostLedgerState {
    return this.hosts.get(host) ?? UNKNOWN_HOST;
  }

  knownHosts(): string[] {
    return [...this.hosts.keys()].sort();
  }

  /** Number of manifest files in the store (tests, status). */
  get manifestCount(): number {
    return this.manifests.count;
  }

  /** The Snapshot a manifest id stands for; null → empty. Read once, then shared. */
  manifest(id: string | null): Promise<Snapshot> {
    return this.manifests.get(id);
  }

  /** Before a push: the paths about to be sent become dirty on these hosts, durably. */
  async markInFlight(hosts: readonly string[], paths: readonly string[]): Promise<void> {
    this.assertOpen();
    if (paths.length === 0 || hosts.length === 0) return;
    // Hosts of one push share their dirty list: compute each union once.
    const unions = new Map<readonly string[], readonly string[]>();
    for (const host of hosts) {
      const state = this.hostState(host);
      let dirty = unions.get(state.dirty);
      if (dirty === undefined) {
        dirty = this.lists.intern([...state.dirty, ...paths]);
        unions.set(state.dirty, dirty);
      }
      this.hosts.set(host, { ...state, dirty });
    }
    await this.persist(false);
  }

  /** After a push: what each host has now (ok) or how it failed; durable, then old manifests go. */
  async recordResults(results: readonly LedgerResult[]): Promise<void> {
    this.assertOpen();
    if (results.length === 0) return;
    // Store manifests first (pinned against collection by concurrent calls), then update all
    // hosts at once, then make that durable.
    const ids: (string | undefined)[] = [];
    for (const result of results) ids.push(result.ok ? await this.manifests.put(result.manifest) : undefined);
    results.forEach((result, i) => {
      const state = this.hostState(result.host);
      if (result.ok) {
        const at = result.at ?? Date.now();
        const manifestId = ids[i] as string;
        this.hosts.set(result.host, {
          manifestId,
          dirty: UNKNOWN_HOST.dirty,
          failures: 0,
          lastOkAt: at,
          lastAttemptAt: at,
        });
      } else {
        const { lastError: _old, ...rest } = state;
        this.hosts.set(result.host, {
          ...rest,
          failures: state.failures + 1,
          lastError: result.error,
          downSince: state.downSince ?? result.at,
          lastAttemptAt: result.at,
        });
      }
    });
    try {
      await this.persist(true);
    } finally {
      for (const id of ids) if (id !== undefined) this.manifests.unpin(id);
    }
  }

  /** Full resync (SIGUSR2): every host is treated as never synced, so it is sent everything. */
  async forgetAll(): Promise<void> {
    this.assertOpen();
    for (const [host, state] of this.hosts) this.hosts.set(host, { ...state, manifestId: null });
    await this.persist(true);
  }

  /** Releases the lock. Writes are already durable. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing.catch(() => undefined);
    await this.lock?.release();
  }

  private assertOpen(): void {
    if (this.closed) throw new LedgerError(`ledger ${this.dir} is closed`);
    if (this.lock === undefined) throw new LedgerError(`ledger ${this.dir} is open read-only (dry run)`);
  }

  private async load(): Promise<void> {
    const readOnly = this.lock === undefined;
    if (!readOnly) {
      for (const name of await readdir(this.dir)) {
        if (name.startsWith(TEMP_MARKER)) await rm(join(this.dir, name), { force: true });
      }
    }
    const file = join(this.dir, 'hosts.json');
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new LedgerError(`cannot read ${file}: ${(error as Error).message}`);
    }
    if (text !== undefined) {
      try {
        this.hosts = decodeHosts(text, this.lists);
      } catch (error) {
        throw new LedgerError(
          `${file}: ${(error as Error).message}; move it away to start over (every host is then resent everything)`,
        );
      }
    }
    // A missing manifest means "nothing known": the host is sent everything (a dry run shows that
    // without writing the repair down).
    let repaired = false;
    for (const [host, state] of this.hosts) {
      if (state.manifestId !== null && !this.manifests.has(state.manifestId)) {
        this.warnings.push(
          `${host}: manifest ${state.manifestId} is missing; the host will be sent everything`,
        );
        this.hosts.set(host, { ...state, manifestId: null });
        repaired = true;
      }
    }
    // Manifests written just before a crash, never referenced: collect them now.
    if (readOnly) return;
    if (repaired) await this.persist(true);
    else await this.manifests.collect(this.referencedManifests());
  }

  private referencedManifests(): Set<string> {
    const ids = new Set<string>();
    for (const state of this.hosts.values()) if (state.manifestId !== null) ids.add(state.manifestId);
    return ids;
  }

  /** Serialised so concurrent calls never interleave writes; each write has all changes so far. */
  private persist(collect: boolean): Promise<void> {
    const write = async (): Promise<void> => {
      try {
        await atomicWriteFile(join(this.dir, 'hosts.json'), encodeHosts(this.hosts));
      } catch (error) {
        throw new LedgerError(`cannot write ${join(this.dir, 'hosts.json')}: ${(error as Error).message}`);
      }
      if (collect) {
        await this.manifests.collect(this.referencedManifests());
        this.lists.retain(new Set([...this.hosts.values()].map((s) => s.dirty)));
      }
    };
    const next = this.writing.catch(() => undefined).then(write);
    this.writing = next;
    return next;
  }
}
