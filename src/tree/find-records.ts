// Parses what `find -printf FIND_FORMAT` writes (find-lister.ts runs it) into per-directory
// listings with their lstat fields already in: find reads a directory and fstatat()s each entry
// relative to it, which costs less kernel time than a path lookup per entry, and it builds no
// Stats/Date objects. 1 M records pass through here on a big tree, so this is a byte loop over
// Buffers with no split(), no regex and one string per record.
import { DirentKind, statKindOfDirent } from './list-directory.js';
import { UNDECODABLE_TARGET } from './name-bytes.js';
import { FIELDS_PER_STAT, type LstatBatch, StatKind } from './raw-stat.js';

/**
 * type, permission bits (octal, with setuid/setgid/sticky), uid, gid, size, mtime and ctime as
 * `sec.nsec0` (sec signed, the fraction always the positive nanoseconds), inode, the path as
 * find was given it (relative to the tree root, so it is the tree path), NUL, symlink target, NUL.
 * Escapes (`\0`) are find's: argv cannot carry a NUL byte.
 */
export const FIND_FORMAT = '%y %m %U %G %s %T@ %C@ %i %p\\0%l\\0';

/** One directory's entries as find printed them (its order: readdir order). */
export interface FoundDirectory {
  /** Tree path of the directory, as it prefixed its entries. */
  readonly dir: string;
  readonly paths: string[];
  readonly kinds: number[];
  /** FIELDS_PER_STAT numbers per entry, as packStat() would give them. */
  readonly fields: number[];
  readonly targets: Map<number, string>;
  readonly errors: Map<number, string>;
  undecodable: number;
}

const SPACE = 0x20;
const DOT = 0x2e;
const MINUS = 0x2d;
const SLASH = 0x2f;

/**
 * Feed it find's stdout chunk by chunk; it calls `onDirectory` each time the records of one
 * directory are complete (the next directory's start, or end()). Directories with no entries
 * print nothing, so they never show up here.
 */
export class FindRecordParser {
  private rest: Buffer | undefined;
  private current: FoundDirectory | undefined;
  private currentDir: Buffer = Buffer.alloc(0);

  constructor(private readonly onDirectory: (found: FoundDirectory) => void) {}

  push(chunk: Buffer): void {
    const buf = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk]);
    let i = 0;
    for (;;) {
      const nameEnd = buf.indexOf(0, i);
      if (nameEnd < 0) break;
      const targetEnd = buf.indexOf(0, nameEnd + 1);
      if (targetEnd < 0) break;
      this.record(buf, i, nameEnd, targetEnd);
      i = targetEnd + 1;
    }
    this.rest = i < buf.length ? buf.subarray(i) : undefined;
  }

  /** find exited: hand over the last directory. A cut-off record means find was killed. */
  end(): void {
    if (this.rest !== undefined) throw new Error('find output ends in the middle of a record');
    this.flush();
  }

  private flush(): void {
    if (this.current !== undefined) this.onDirectory(this.current);
    this.current = undefined;
  }

  private record(buf: Buffer, start: number, nameEnd: number, targetEnd: number): void {
    const kind = kindOfLetter(buf[start] as number);
    let j = start + 2;
    // mode is octal; then uid, gid, size; then the two times; then the inode.
    let mode = 0;
    for (let c = buf[j] as number; c !== SPACE; c = buf[++j] as number) mode = mode * 8 + (c - 48);
    const numbers = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      let v = 0;
      for (let c = buf[++j] as number; c !== SPACE; c = buf[++j] as number) v = v * 10 + (c - 48);
      numbers[k] = v;
    }
    j++;
    const mtimeMs = parseTime(buf, j);
    j = buf.indexOf(SPACE, j) + 1;
    const ctimeMs = parseTime(buf, j);
    j = buf.indexOf(SPACE, j) + 1;
    let ino = 0;
    for (let c = buf[j] as number; c !== SPACE; c = buf[++j] as number) ino = ino * 10 + (c - 48);
    const pathStart = j + 1;

    const found = this.directoryOf(buf, pathStart, nameEnd);
    const path = decodeRange(buf, pathStart, nameEnd);
    if (path === undefined) {
      found.undecodable++;
      return;
    }
    const index = found.paths.length;
    found.paths.push(path);
    found.kinds.push(kind);
    const statKind = statKindOfDirent(kind);
    found.fields.push(statKind, mode, numbers[0] as number, numbers[1] as number);
    found.fields.push(numbers[2] as number, mtimeMs, ctimeMs, ino);
    if (kind !== DirentKind.Symlink) return;
    const target = decodeRange(buf, nameEnd + 1, targetEnd);
    if (target !== undefined) found.targets.set(index, target);
    else {
      found.fields[index * FIELDS_PER_STAT] = StatKind.Failed;
      found.errors.set(index, UNDECODABLE_TARGET);
    }
  }

  /** The directory a record at [pathStart, nameEnd) belongs to; a new one closes the previous. */
  private directoryOf(buf: Buffer, pathStart: number, nameEnd: number): FoundDirectory {
    const slash = buf.lastIndexOf(SLASH, nameEnd - 1);
    const dirEnd = slash < pathStart ? pathStart : slash;
    const dirLength = dirEnd - pathStart;
    const current = this.current;
    if (current !== undefined && sameBytes(this.currentDir, buf, pathStart, dirLength)) return current;
    this.flush();
    this.currentDir = Buffer.from(buf.subarray(pathStart, dirEnd));
    const dir = buf.toString('utf8', pathStart, dirEnd);
    const found: FoundDirectory = {
      dir,
      paths: [],
      kinds: [],
      fields: [],
      targets: new Map(),
      errors: new Map(),
      undecodable: 0,
    };
    this.current = found;
    return found;
  }
}

/** Directory prefixes are short: a JS loop beats a native Buffer.compare() call per record. */
function sameBytes(a: Buffer, buf: Buffer, at: number, length: number): boolean {
  if (a.length !== length) return false;
  for (let k = length - 1; k >= 0; k--) if (a[k] !== buf[at + k]) return false;
  return true;
}

/** `sec.nnnnnnnnn0` → ms, computed exactly as Node computes Stats.mtimeMs (the hash cache compares them). */
export function parseTime(buf: Buffer, at: number): number {
  let j = at;
  const negative = buf[j] === MINUS;
  if (negative) j++;
  let sec = 0;
  let c = buf[j] as number;
  for (; c !== DOT && c !== SPACE; c = buf[++j] as number) sec = sec * 10 + (c - 48);
  let nsec = 0;
  if (c === DOT) {
    let digits = 0;
    for (c = buf[++j] as number; c !== SPACE; c = buf[++j] as number) {
      if (digits++ < 9) nsec = nsec * 10 + (c - 48);
    }
    for (; digits < 9; digits++) nsec *= 10;
  }
  return (negative ? -sec : sec) * 1000 + nsec / 1e6;
}

/** The bytes as a string, or undefined when they are not valid UTF-8 (see name-bytes.ts). */
function decodeRange(buf: Buffer, start: number, end: number): string | undefined {
  const text = buf.toString('utf8', start, end);
  if (!text.includes('\uFFFD')) return text;
  return Buffer.from(text, 'utf8').equals(buf.subarray(start, end)) ? text : undefined;
}

function kindOfLetter(letter: number): DirentKind {
  switch (letter) {
    case 0x66: // f
      return DirentKind.File;
    case 0x64: // d
      return DirentKind.Dir;
    case 0x6c: // l
      return DirentKind.Symlink;
    case 0x73: // s
      return DirentKind.Socket;
    case 0x70: // p
      return DirentKind.Fifo;
    default:
      return DirentKind.Device;
  }
}

/** A found directory in name order, as the scanner wants listings (find gives readdir order). */
export function sortedDirectory(found: FoundDirectory): {
  paths: string[];
  kinds: Uint8Array;
  batch: LstatBatch;
} {
  const n = found.paths.length;
  const paths = found.paths;
  const order = orderOf(paths);
  if (order === undefined) {
    const { targets, errors } = found;
    return {
      paths,
      kinds: Uint8Array.from(found.kinds),
      batch: { fields: Float64Array.from(found.fields), targets, errors },
    };
  }
  const sortedPaths = new Array<string>(n);
  const kinds = new Uint8Array(n);
  const fields = new Float64Array(n * FIELDS_PER_STAT);
  const targets = new Map<number, string>();
  const errors = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const from = order[i] as number;
    sortedPaths[i] = paths[from] as string;
    kinds[i] = found.kinds[from] as number;
    for (let k = 0; k < FIELDS_PER_STAT; k++)
      fields[i * FIELDS_PER_STAT + k] = found.fields[from * FIELDS_PER_STAT + k] as number;
    const target = found.targets.get(from);
    if (target !== undefined) targets.set(i, target);
    const error = found.errors.get(from);
    if (error !== undefined) errors.set(i, error);
  }
  return { paths: sortedPaths, kinds, batch: { fields, targets, errors } };
}

/** The permutation that sorts `paths`; undefined if they are sorted already (no copy needed). */
export function orderOf(paths: readonly string[]): number[] | undefined {
  const n = paths.length;
  let ascending = true;
  let descending = true;
  for (let i = 1; i < n && (ascending || descending); i++) {
    const a = paths[i - 1] as string;
    const b = paths[i] as string;
    if (a > b) ascending = false;
    else descending = false;
  }
  if (ascending) return undefined;
  // tmpfs lists newest first: a created-in-order directory comes reversed.
  if (descending) return Array.from({ length: n }, (_, i) => n - 1 - i);
  const order = Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => ((paths[a] as string) < (paths[b] as string) ? -1 : 1));
}
