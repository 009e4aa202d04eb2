// Content-addressed manifests: manifests/<sha256>.json, written once (atomically), shared by every
// host that has the same content, read once per process, and removed when no host refers to them.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LedgerError } from '../errors.js';
import { EMPTY_SNAPSHOT } from '../tree/snapshot.js';
import type { Snapshot } from '../types.js';
import { atomicWriteFile, syncDirectory, TEMP_MARKER } from './atomic-write-file.js';
import { decodeManifest, encodeManifest } from './manifest-codec.js';

const ID_FILE = /^([0-9a-f]{64})\.json$/;

export class ManifestStore {
  private readonly loaded = new Map<string, Snapshot>();
  /** Snapshot object → id, so 10,000 hosts reporting the same Snapshot encode it once. */
  private readonly ids = new WeakMap<Snapshot, string>();
  private readonly onDisk = new Set<string>();
  /** Ids stored but not yet referenced by a durable hosts file: collect() must not remove them. */
  private readonly pinned = new Map<string, number>();

  private constructor(private readonly dir: string) {}

  /** Lists what exists and removes temp files a crash left behind. */
  static async open(dir: string): Promise<ManifestStore> {
    const store = new ManifestStore(dir);
    for (const name of await readdir(dir)) {
      const match = ID_FILE.exec(name);
      if (match?.[1] !== undefined) store.onDisk.add(match[1]);
      else if (name.startsWith(TEMP_MARKER)) await rm(join(dir, name), { force: true });
    }
    return store;
  }

  /** For read-only ledgers: lists what exists, removes nothing; a missing directory is empty. */
  static async openReadOnly(dir: string): Promise<ManifestStore> {
    const store = new ManifestStore(dir);
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const name of names) {
      const match = ID_FILE.exec(name);
      if (match?.[1] !== undefined) store.onDisk.add(match[1]);
    }
    return store;
  }

  has(id: string): boolean {
    return this.onDisk.has(id);
  }

  get count(): number {
    return this.onDisk.size;
  }

  /** null → the empty snapshot (a host we never synced has nothing we know of). */
  async get(id: string | null): Promise<Snapshot> {
    if (id === null) return EMPTY_SNAPSHOT;
    const cached = this.loaded.get(id);
    if (cached !== undefined) return cached;
    const file = this.fileOf(id);
    let snapshot: Snapshot;
    try {
      snapshot = decodeManifest(await readFile(file, 'utf8'));
    } catch (error) {
      throw new LedgerError(`manifest ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.loaded.set(id, snapshot);
    this.ids.set(snapshot, id);
    return snapshot;
  }

  /**
   * Store (if new) and return the id, pinned: safe from collect() until unpin(id). The file is
   * durable when this resolves.
   */
  async put(snapshot: Snapshot): Promise<string> {
    let id = this.ids.get(snapshot);
    let text: string | undefined;
    if (id === undefined) {
      ({ id, text } = encodeManifest(snapshot));
      this.ids.set(snapshot, id);
    }
    this.pinned.set(id, (this.pinned.get(id) ?? 0) + 1);
    if (!this.onDisk.has(id)) {
      await atomicWriteFile(this.fileOf(id), text ?? encodeManifest(snapshot).text);
      this.onDisk.add(id);
    }
    if (!this.loaded.has(id)) this.loaded.set(id, snapshot);
    return id;
  }

  unpin(id: string): void {
    const count = (this.pinned.get(id) ?? 0) - 1;
    if (count > 0) this.pinned.set(id, count);
    else this.pinned.delete(id);
  }

  /** Remove every manifest not in `keep` (call only after the references to keep are durable). */
  async collect(keep: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    for (const id of [...this.onDisk]) {
      if (keep.has(id) || this.pinned.has(id)) continue;
      await rm(this.fileOf(id), { force: true });
      this.onDisk.delete(id);
      this.loaded.delete(id);
      removed++;
    }
    if (removed > 0) await syncDirectory(this.dir);
    return removed;
  }

  private fileOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
