// hosts.json: one record per host. Manifest ids and dirty path lists are stored once and referred
// to by index (hosts of a push share theirs), so 10,000 hosts with the same 2,000 in-flight paths
// cost one list, on disk and in memory.
import type { HostErrorClass, HostFailure } from '../types.js';
import type { HostLedgerState } from './ledger-types.js';

interface HostRecord {
  readonly host: string;
  /** Index into manifests; -1 = never synced. */
  readonly manifest: number;
  /** Index into dirtySets; -1 = nothing dirty. */
  readonly dirty: number;
  readonly failures: number;
  readonly lastError?: HostFailure;
  readonly downSince?: number;
  readonly lastOkAt?: number;
  readonly lastAttemptAt?: number;
}

interface HostsFile {
  readonly version: 1;
  readonly manifests: readonly string[];
  readonly dirtySets: readonly (readonly string[])[];
  readonly hosts: readonly HostRecord[];
}

const EMPTY: readonly string[] = Object.freeze([]);

/** Equal dirty lists become one shared frozen array. */
export class DirtyLists {
  private readonly byKey = new Map<string, readonly string[]>();

  intern(paths: Iterable<string>): readonly string[] {
    const sorted = [...new Set(paths)].sort();
    if (sorted.length === 0) return EMPTY;
    const key = sorted.join('\0');
    let list = this.byKey.get(key);
    if (list === undefined) {
      list = Object.freeze(sorted);
      this.byKey.set(key, list);
    }
    return list;
  }

  /** Forget lists no host uses any more. */
  retain(inUse: ReadonlySet<readonly string[]>): void {
    for (const [key, list] of this.byKey) if (!inUse.has(list)) this.byKey.delete(key);
  }
}

export function encodeHosts(hosts: ReadonlyMap<string, HostLedgerState>): string {
  const setIndex = new Map<readonly string[], number>();
  const dirtySets: (readonly string[])[] = [];
  const manifestIndex = new Map<string, number>();
  const records: HostRecord[] = [];
  for (const [host, s] of [...hosts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let manifest = -1;
    if (s.manifestId !== null) {
      manifest = manifestIndex.get(s.manifestId) ?? manifestIndex.size;
      manifestIndex.set(s.manifestId, manifest);
    }
    let dirty = -1;
    if (s.dirty.length > 0) {
      dirty = setIndex.get(s.dirty) ?? dirtySets.length;
      if (dirty === dirtySets.length) {
        setIndex.set(s.dirty, dirty);
        dirtySets.push(s.dirty);
      }
    }
    records.push({
      host,
      manifest,
      dirty,
      failures: s.failures,
      ...(s.lastError !== undefined && { lastError: s.lastError }),
      ...(s.downSince !== undefined && { downSince: s.downSince }),
      ...(s.lastOkAt !== undefined && { lastOkAt: s.lastOkAt }),
      ...(s.lastAttemptAt !== undefined && { lastAttemptAt: s.lastAttemptAt }),
    });
  }
  const file: HostsFile = { version: 1, manifests: [...manifestIndex.keys()], dirtySets, hosts: records };
  return JSON.stringify(file);
}

/** Throws an Error saying what is wrong (the caller adds the file name). */
export function decodeHosts(text: string, lists: DirtyLists): Map<string, HostLedgerState> {
  const parsed = JSON.parse(text) as Partial<HostsFile>;
  if (
    parsed.version !== 1 ||
    !Array.isArray(parsed.manifests) ||
    !Array.isArray(parsed.dirtySets) ||
    !Array.isArray(parsed.hosts)
  ) {
    throw new Error('not a version 1 hosts file');
  }
  const manifests = parsed.manifests as unknown[];
  if (!manifests.every((id) => typeof id === 'string' && /^[0-9a-f]{64}$/.test(id)))
    throw new Error('bad manifest id list');
  const sets = parsed.dirtySets.map((set: unknown) => {
    if (!Array.isArray(set) || !set.every((p) => typeof p === 'string'))
      throw new Error('bad dirty path list');
    return lists.intern(set as string[]);
  });
  const hosts = new Map<string, HostLedgerState>();
  for (const raw of parsed.hosts as unknown[]) {
    const r = raw as Partial<Record<keyof HostRecord, unknown>>;
    const ok =
      typeof r.host === 'string' &&
      Number.isInteger(r.manifest) &&
      (r.manifest === -1 || manifests[r.manifest as number] !== undefined) &&
      Number.isInteger(r.dirty) &&
      (r.dirty === -1 || sets[r.dirty as number] !== undefined) &&
      Number.isInteger(r.failures) &&
      optionalNumbers(r.downSince, r.lastOkAt, r.lastAttemptAt) &&
      (r.lastError === undefined || isHostFailure(r.lastError));
    if (!ok) throw new Error(`bad host record ${JSON.stringify(raw)}`);
    hosts.set(r.host as string, {
      manifestId: r.manifest === -1 ? null : (manifests[r.manifest as number] as string),
      dirty: r.dirty === -1 ? EMPTY : (sets[r.dirty as number] as readonly string[]),
      failures: r.failures as number,
      ...(r.lastError !== undefined && { lastError: r.lastError as HostFailure }),
      ...(r.downSince !== undefined && { downSince: r.downSince as number }),
      ...(r.lastOkAt !== undefined && { lastOkAt: r.lastOkAt as number }),
      ...(r.lastAttemptAt !== undefined && { lastAttemptAt: r.lastAttemptAt as number }),
    });
  }
  return hosts;
}

function optionalNumbers(...values: unknown[]): boolean {
  return values.every((v) => v === undefined || typeof v === 'number');
}

const ERROR_CLASSES: readonly HostErrorClass[] = [
  'unreachable',
  'timeout',
  'auth',
  'hostkey',
  'remote-io',
  'validation',
  'other',
];

function isHostFailure(value: unknown): value is HostFailure {
  const v = value as Partial<Record<keyof HostFailure, unknown>> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    ERROR_CLASSES.includes(v.class as HostErrorClass) &&
    typeof v.message === 'string' &&
    (v.code === undefined || typeof v.code === 'string')
  );
}
