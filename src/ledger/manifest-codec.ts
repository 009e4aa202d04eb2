// Manifests on disk: a Snapshot as canonical JSON (sorted rows, fixed field order), so equal
// snapshots give equal bytes and the sha256 of the text can name the file.
import { createHash } from 'node:crypto';
import { snapshotFromEntries } from '../tree/snapshot.js';
import { comparePaths } from '../tree/tree-paths.js';
import type { Snapshot, TreeEntry } from '../types.js';

type Row =
  | [path: string, 'f', mode: number, uid: number, gid: number, size: number, mtimeMs: number, hash: string]
  | [path: string, 'd', mode: number, uid: number, gid: number]
  | [path: string, 'l', mode: number, uid: number, gid: number, target: string];

interface ManifestFile {
  readonly version: 1;
  readonly entries: readonly Row[];
}

export interface EncodedManifest {
  readonly id: string;
  readonly text: string;
}

export function encodeManifest(snapshot: Snapshot): EncodedManifest {
  const rows: Row[] = [];
  for (const e of [...snapshot.values()].sort((a, b) => comparePaths(a.path, b.path))) {
    if (e.type === 'file') rows.push([e.path, 'f', e.mode, e.uid, e.gid, e.size, e.mtimeMs, e.hash ?? '']);
    else if (e.type === 'dir') rows.push([e.path, 'd', e.mode, e.uid, e.gid]);
    else rows.push([e.path, 'l', e.mode, e.uid, e.gid, e.target ?? '']);
  }
  const file: ManifestFile = { version: 1, entries: rows };
  const text = JSON.stringify(file);
  return { id: createHash('sha256').update(text).digest('hex'), text };
}

/** Throws an Error saying what is wrong (the caller adds the file name). */
export function decodeManifest(text: string): Snapshot {
  const parsed = JSON.parse(text) as Partial<ManifestFile>;
  if (parsed.version !== 1 || !Array.isArray(parsed.entries)) throw new Error('not a version 1 manifest');
  const entries: TreeEntry[] = [];
  for (const row of parsed.entries as unknown[]) entries.push(decodeRow(row));
  return snapshotFromEntries(entries);
}

function decodeRow(row: unknown): TreeEntry {
  if (
    !Array.isArray(row) ||
    typeof row[0] !== 'string' ||
    ![2, 3, 4].every((i) => Number.isInteger(row[i]))
  ) {
    throw new Error(`bad manifest row ${JSON.stringify(row)}`);
  }
  const [path, kind, mode, uid, gid] = row as [string, string, number, number, number];
  if (
    kind === 'f' &&
    row.length === 8 &&
    typeof row[5] === 'number' &&
    typeof row[6] === 'number' &&
    typeof row[7] === 'string'
  ) {
    const hash = row[7];
    const base = { path, type: 'file', mode, uid, gid, size: row[5], mtimeMs: row[6] } as const;
    return hash === '' ? base : { ...base, hash };
  }
  if (kind === 'd' && row.length === 5) return { path, type: 'dir', mode, uid, gid, size: 0, mtimeMs: 0 };
  if (kind === 'l' && row.length === 6 && typeof row[5] === 'string') {
    return { path, type: 'symlink', mode, uid, gid, size: 0, mtimeMs: 0, target: row[5] };
  }
  throw new Error(`bad manifest row ${JSON.stringify(row)}`);
}
