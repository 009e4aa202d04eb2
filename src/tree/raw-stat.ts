// The lstat fields the scanner needs, packed 8 numbers per path into a Float64Array so that a
// million results cross a worker boundary as one transferable buffer, not a million objects.
import type { Stats } from 'node:fs';
import type { EntryType } from '../types.js';
import type { FileIdentity } from './hash-cache.js';
import { constants } from 'node:fs';

export const FIELDS_PER_STAT = 8;

/** Slot 0 of each record. Gone/Failed records carry no other fields. Other = socket, FIFO, device. */
export const StatKind = { Gone: 0, File: 1, Dir: 2, Symlink: 3, Other: 4, Failed: -1 } as const;
export type StatKind = (typeof StatKind)[keyof typeof StatKind];

/** The outcome of lstat (and readlink, for symlinks) for a list of paths, by index. */
export interface LstatBatch {
  /** [kind, mode, uid, gid, size, mtimeMs, ctimeMs, ino] per path; times are float ms (sub-µs). */
  readonly fields: Float64Array;
  /** Symlink targets by index. */
  readonly targets: ReadonlyMap<number, string>;
  /** Why a path is Failed (EACCES…), by index. */
  readonly errors: ReadonlyMap<number, string>;
}

export function statKindOfMode(mode: number): StatKind {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFREG:
      return StatKind.File;
    case constants.S_IFDIR:
      return StatKind.Dir;
    case constants.S_IFLNK:
      return StatKind.Symlink;
    default:
      return StatKind.Other;
  }
}

export function packStat(out: Float64Array, index: number, st: Stats): StatKind {
  const o = index * FIELDS_PER_STAT;
  const kind = statKindOfMode(st.mode);
  out[o] = kind;
  out[o + 1] = st.mode & 0o7777;
  out[o + 2] = st.uid;
  out[o + 3] = st.gid;
  out[o + 4] = st.size;
  out[o + 5] = st.mtimeMs;
  out[o + 6] = st.ctimeMs;
  out[o + 7] = st.ino;
  return kind;
}

/** Errors that mean "the path is no longer there (as that kind of object)": a race, not a problem. */
export function isVanishedError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (
    code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EINVAL' || code === 'EISDIR'
  );
}

/** Node's own words: "EACCES: permission denied, open '/etc/shadow'". */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function entryTypeOfStat(kind: StatKind): EntryType | undefined {
  if (kind === StatKind.File) return 'file';
  if (kind === StatKind.Dir) return 'dir';
  return kind === StatKind.Symlink ? 'symlink' : undefined;
}

/** What the hash cache keys on, from the record at offset `o`. */
export function identityAt(fields: Float64Array, o: number): FileIdentity {
  return {
    size: fields[o + 4] as number,
    mtimeMs: fields[o + 5] as number,
    ctimeMs: fields[o + 6] as number,
    ino: fields[o + 7] as number,
  };
}
