// Lists directories of a big tree with clsync-hpc's own addon (native/tree-lister.c): readdir and
// an fstatat() per entry on libuv's thread pool, results handed over as packed arrays. It does the
// kernel work find(1) does for find-lister.ts, without find formatting text and this thread
// parsing it again: on a 2-CPU machine that text was most of what kept a 1 M-entry scan slower
// than a bare `find -printf` (bench/RESULTS.md). Without the addon (no compiler at install time)
// the engine uses find-lister.ts, which answers the same requests the same way.
import { getSystemErrorMap } from 'node:util';
import {
  type DirectoryRequest,
  DirectoryRequests,
  type FoundListing,
  LIST_IN_THREAD,
} from './directory-requests.js';
import { orderOf } from './find-records.js';
import { DirentKind, statKindOfDirent } from './list-directory.js';
import { decodeName, UNDECODABLE_TARGET } from './name-bytes.js';
import { FIELDS_PER_STAT, StatKind } from './raw-stat.js';
import { loadTreeLister, type TreeListerAddon, type TreeListerResult } from './tree-lister-addon.js';

/**
 * Directories per job. Small enough that the pool threads share the work evenly and results
 * reach this thread while the others keep listing; big enough that a job's overhead (a thread
 * hop, a few typed arrays) is nothing next to its readdir and lstat calls.
 */
const DIRS_PER_JOB = 32;

/** errno → [code, description], as libuv words them (for messages like Node's own). */
const SYSTEM_ERRORS = getSystemErrorMap();

/** What lstatSync would have thrown: "EACCES: permission denied, lstat '/etc/x'". */
function lstatError(errno: number, absolute: string): string {
  const [code, description] = SYSTEM_ERRORS.get(-errno) ?? [`errno ${errno}`, 'unknown error'];
  return `${code}: ${description}, lstat '${absolute}'`;
}

export class NativeLister {
  readonly kind = 'native';
  // Directories found by the same listing come in the same turn: they share jobs.
  private readonly requests = new DirectoryRequests(() => this.start());
  private running = 0;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly maxJobs: number,
    private readonly addon: TreeListerAddon,
  ) {}

  /** A lister for `root`, or undefined when the addon is not built (or does not load here). */
  static create(root: string, maxJobs: number): NativeLister | undefined {
    const addon = loadTreeLister();
    return addon === undefined ? undefined : new NativeLister(root, maxJobs, addon);
  }

  get usable(): boolean {
    return !this.closed;
  }

  /** The entries of directory `relDir` (a tree path, never the root) with their stats. */
  list(relDir: string): Promise<FoundListing | typeof LIST_IN_THREAD> {
    return this.requests.add(relDir);
  }

  close(): void {
    this.closed = true;
    this.requests.releaseAll();
  }

  private start(): void {
    while (!this.closed && this.running < this.maxJobs && this.requests.size > 0) {
      this.run(this.requests.take(DIRS_PER_JOB));
    }
  }

  private run(requests: DirectoryRequest[]): void {
    this.running++;
    this.addon.list(
      this.root,
      requests.map((r) => r.relDir),
      (error, result) => {
        this.running--;
        // the next job goes to the pool before this thread turns the results into listings
        this.start();
        if (error !== null || result === null) {
          const why = error ?? new Error('tree lister: no result');
          for (const r of requests) r.reject(why);
          return;
        }
        let failure: Error | undefined;
        try {
          resolveAll(this.root, requests, result);
        } catch (e) {
          failure = e as Error;
        }
        if (failure !== undefined) for (const r of requests) r.reject(failure);
      },
    );
  }
}

/** Hands each request its listing; a directory the addon could not read is listed in-thread. */
function resolveAll(root: string, requests: readonly DirectoryRequest[], result: TreeListerResult): void {
  const { counts, undecodable, ends, fields, errors } = result;
  const paths = Buffer.from(result.paths.buffer, result.paths.byteOffset, result.paths.byteLength);
  const targets = Buffer.from(result.targets.buffer, result.targets.byteOffset, result.targets.byteLength);
  const listings: (FoundListing | typeof LIST_IN_THREAD)[] = [];
  let entry = 0;
  let pathStart = 0;
  let targetStart = 0;
  for (let d = 0; d < requests.length; d++) {
    const count = counts[d] as number;
    if (count < 0) {
      listings.push(LIST_IN_THREAD);
      continue;
    }
    const names = new Array<string>(count);
    const kinds = new Uint8Array(count);
    const linkTargets = new Map<number, string>();
    const problems = new Map<number, string>();
    for (let k = 0; k < count; k++, entry++) {
      const end = ends[entry] as number;
      names[k] = paths.toString('utf8', pathStart, end);
      pathStart = end + 1;
      const o = entry * FIELDS_PER_STAT;
      const type = fields[o] as number;
      const kind = direntKindOf(type);
      kinds[k] = kind;
      const errno = errors[entry] as number;
      if (errno !== 0) {
        fields[o] = StatKind.Failed;
        problems.set(k, lstatError(errno, root === '/' ? `/${names[k]}` : `${root}/${names[k]}`));
        continue;
      }
      fields[o] = statKindOfDirent(kind);
      if (kind !== DirentKind.Symlink) continue;
      const targetEnd = targets.indexOf(0, targetStart);
      const target = decodeName(targets.subarray(targetStart, targetEnd));
      if (target !== undefined) linkTargets.set(k, target);
      else {
        fields[o] = StatKind.Failed;
        problems.set(k, UNDECODABLE_TARGET);
      }
      targetStart = targetEnd + 1;
    }
    const first = entry - count;
    const listing: FoundListing = {
      paths: names,
      kinds,
      undecodable: undecodable[d] as number,
      batch: {
        fields: fields.subarray(first * FIELDS_PER_STAT, entry * FIELDS_PER_STAT),
        targets: linkTargets,
        errors: problems,
      },
    };
    listings.push(inNameOrder(listing));
  }
  for (let d = 0; d < requests.length; d++)
    (requests[d] as DirectoryRequest).resolve(listings[d] as FoundListing);
}

/** S_IFMT >> 12 (what the addon gives, DT_* for entries whose lstat failed) → DirentKind. */
function direntKindOf(type: number): DirentKind {
  switch (type) {
    case 8:
      return DirentKind.File;
    case 4:
      return DirentKind.Dir;
    case 10:
      return DirentKind.Symlink;
    case 12:
      return DirentKind.Socket;
    case 1:
      return DirentKind.Fifo;
    case 2:
    case 6:
      return DirentKind.Device;
    default:
      return DirentKind.File; // DT_UNKNOWN from a file system without d_type, and lstat failed
  }
}

/**
 * The addon sorts names by bytes; the scanner wants JavaScript string order, which differs only
 * for characters above U+E000 next to ones beyond U+FFFF (UTF-16 surrogates sort lower).
 */
function inNameOrder(listing: FoundListing): FoundListing {
  const { paths } = listing;
  const order = orderOf(paths);
  if (order === undefined) return listing;
  const n = paths.length;
  const from = listing.batch;
  const fields = new Float64Array(n * FIELDS_PER_STAT);
  const kinds = new Uint8Array(n);
  const targets = new Map<number, string>();
  const errors = new Map<number, string>();
  const sortedPaths = order.map((at, i) => {
    kinds[i] = listing.kinds[at] as number;
    fields.set(from.fields.subarray(at * FIELDS_PER_STAT, (at + 1) * FIELDS_PER_STAT), i * FIELDS_PER_STAT);
    const target = from.targets.get(at);
    if (target !== undefined) targets.set(i, target);
    const error = from.errors.get(at);
    if (error !== undefined) errors.set(i, error);
    return paths[at] as string;
  });
  return { paths: sortedPaths, kinds, undecodable: listing.undecodable, batch: { fields, targets, errors } };
}
