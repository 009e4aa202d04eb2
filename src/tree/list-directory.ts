// readdir of one directory with d_type (no stat): names sorted, each with its kind. Runs on a stat
// worker for big trees (keeping the main thread free for rule decisions) or in-thread for small ones.
import { type Dirent, readdirSync } from 'node:fs';
import type { EntryType } from '../types.js';
import { undecodableNames } from './name-bytes.js';
import { StatKind } from './raw-stat.js';

/** Kinds of directory entries, from d_type. */
export const DirentKind = { File: 1, Dir: 2, Symlink: 3, Socket: 4, Fifo: 5, Device: 6 } as const;
export type DirentKind = (typeof DirentKind)[keyof typeof DirentKind];

export interface DirectoryListing {
  /** Sorted (code-unit order), names that are not valid UTF-8 left out. */
  readonly names: string[];
  readonly kinds: Uint8Array;
  /** Names left out because they are not valid UTF-8. */
  readonly undecodable: number;
  /** 'gone': the directory vanished (a race, not a problem); else why it cannot be read. */
  readonly problem?: string;
}

export function listDirectory(abs: string): DirectoryListing {
  let dirents: Dirent[];
  try {
    dirents = readdirSync(abs, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' || code === 'ENOTDIR' ? 'gone' : (code ?? String(error));
    return { names: [], kinds: new Uint8Array(0), undecodable: 0, problem };
  }
  let undecodable = 0;
  if (dirents.some((d) => d.name.includes('\uFFFD'))) {
    const found = undecodableNames(abs);
    undecodable = found.count;
    if (found.count > 0) dirents = dirents.filter((d) => !found.lossy.has(d.name));
  }
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = new Array<string>(dirents.length);
  const kinds = new Uint8Array(dirents.length);
  for (let i = 0; i < dirents.length; i++) {
    const d = dirents[i] as Dirent;
    names[i] = d.name;
    kinds[i] = kindOf(d);
  }
  return { names, kinds, undecodable };
}

function kindOf(d: Dirent): DirentKind {
  if (d.isFile()) return DirentKind.File;
  if (d.isDirectory()) return DirentKind.Dir;
  if (d.isSymbolicLink()) return DirentKind.Symlink;
  if (d.isSocket()) return DirentKind.Socket;
  if (d.isFIFO()) return DirentKind.Fifo;
  return DirentKind.Device;
}

/** The lstat kind of an entry whose stats match its directory entry (see raw-stat.ts). */
export function statKindOfDirent(kind: DirentKind): StatKind {
  if (kind === DirentKind.File) return StatKind.File;
  if (kind === DirentKind.Dir) return StatKind.Dir;
  return kind === DirentKind.Symlink ? StatKind.Symlink : StatKind.Other;
}

/** undefined: a socket, FIFO or device, which is never synced. */
export function entryTypeOfDirent(kind: DirentKind): EntryType | undefined {
  if (kind === DirentKind.File) return 'file';
  if (kind === DirentKind.Dir) return 'dir';
  return kind === DirentKind.Symlink ? 'symlink' : undefined;
}
