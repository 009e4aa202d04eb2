// Temp files a push could not remove from a node: the connection died between creating
// `.name.clsync-hpc.<id>` and renaming it (node frozen, link down, sshd killed), so the unlink could
// not be sent either. The host's next connection removes them before anything else. The list is
// kept in the job's state dir too, so that a cron run ending with a node gone (or a daemon killed)
// does not leave them on the node for good: the next run, whichever process it is, cleans up.
import { readFile, rm } from 'node:fs/promises';
import { atomicWriteFile } from '../../ledger/atomic-write-file.js';

interface OrphanFile {
  readonly version: 1;
  /** host → absolute paths on that node */
  readonly hosts: Record<string, string[]>;
}

export class OrphanTemps {
  private readonly byHost = new Map<string, Set<string>>();
  private dirty = false;

  private constructor(private readonly file: string | undefined) {}

  /** The list in `file` (none yet, or unreadable: an empty list, rewritten on the next save). */
  static async load(file: string | undefined): Promise<OrphanTemps> {
    const temps = new OrphanTemps(file);
    if (file === undefined) return temps;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      return temps; // missing, or cut short by a crash: at worst a temp stays, as before
    }
    const hosts = (parsed as Partial<OrphanFile> | null)?.hosts;
    if (typeof hosts !== 'object' || hosts === null) return temps;
    for (const [host, paths] of Object.entries(hosts)) {
      if (!Array.isArray(paths)) continue;
      const valid = paths.filter((p): p is string => typeof p === 'string' && p.startsWith('/'));
      if (valid.length > 0) temps.byHost.set(host, new Set(valid));
    }
    return temps;
  }

  of(host: string): readonly string[] {
    return [...(this.byHost.get(host) ?? [])];
  }

  add(host: string, paths: Iterable<string>): void {
    let set = this.byHost.get(host);
    for (const path of paths) {
      if (set === undefined) this.byHost.set(host, (set = new Set()));
      if (set.has(path)) continue;
      set.add(path);
      this.dirty = true;
    }
  }

  /** `path` is gone from `host` (removed now, or found missing). */
  remove(host: string, path: string): void {
    const set = this.byHost.get(host);
    if (set?.delete(path) !== true) return;
    if (set.size === 0) this.byHost.delete(host);
    this.dirty = true;
  }

  /** Write the list if it changed (crash-safe); no file at all when nothing is left. */
  async save(): Promise<void> {
    if (!this.dirty || this.file === undefined) return;
    this.dirty = false;
    if (this.byHost.size === 0) {
      await rm(this.file, { force: true });
      return;
    }
    const hosts: Record<string, string[]> = {};
    for (const [host, set] of [...this.byHost].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      hosts[host] = [...set].sort();
    const content: OrphanFile = { version: 1, hosts };
    await atomicWriteFile(this.file, `${JSON.stringify(content, null, 1)}\n`);
  }
}
