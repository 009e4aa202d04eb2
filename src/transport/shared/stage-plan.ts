// What goes into a stage directory for one batch, as plain text (pure; written by write-stage.ts).
//   manifest   header, one record per change in apply order, trailer (read by apply.sh)
//   meta       owner / mode / mtime for the content files, grouped so the node runs a few
//              chown/chmod/touch over many files instead of several processes per file
//   sums       `sha256sum -c` input: every content file, and the manifest, meta and script
//   <n>        content of change n (a write), from batch.staged
// Everything sits at the top level: pdcp's client aborts the whole run ("failed to exit subdir
// properly", exit 1, every host cut off) when one node cannot create a nested directory.
// Record fields, space separated, never empty, `-` = absent:
//   <op> <n> <mode> <uid> <gid> <mtime> <path> <target>
// op: write symlink mkdir delete meta-file meta-dir meta-link; n: change index; mode: 0 + 4 octal
// digits (the leading 0 lets chmod clear setgid on directories); mtime: seconds.millis for touch -d @;
// path: relative to dest; path, target and dest are encodeField() fields.
import { createHash } from 'node:crypto';
import { TransportError } from '../../errors.js';
import type { Batch, Change, StagedContent, TreeEntry } from '../../types.js';
import { APPLY_SCRIPT } from './apply-script.js';
import { ABSENT_FIELD, encodeField } from './encode-field.js';
import { assertSafeBatchId } from './safe-words.js';

export const MANIFEST_MAGIC = 'clsync-hpc-manifest 1';

/** Indices per chown/chmod/touch line: far below ARG_MAX on any node. */
const META_CHUNK = 500;

export interface StagePlan {
  /** Text files of the stage directory by name (manifest, meta, sums, apply.sh). */
  readonly files: ReadonlyMap<string, string>;
  /** Content files: stage name `<index>` ← local frozen copy. */
  /** Content n of the stage: a frozen local file to link or copy, or the bytes to write. */
  readonly contents: readonly { readonly index: number; readonly source: StagedContent }[];
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(4, '0')}`;
}

/** `touch -d @<this>`: whole seconds and milliseconds (floor, so negative times stay exact). */
export function formatMtime(mtimeMs: number): string {
  const ms = Math.round(mtimeMs);
  const sec = Math.floor(ms / 1000);
  return `${sec}.${String(ms - sec * 1000).padStart(3, '0')}`;
}

/** Build the stage for `batch`; throws TransportError for a batch that no transport could apply. */
export function buildStagePlan(batch: Batch): StagePlan {
  assertSafeBatchId(batch.id);
  const dest = checkDestDir(batch.destDir);
  const records: string[] = [];
  const contents: { index: number; source: StagedContent }[] = [];
  const sums: string[] = [];
  const groups = {
    owner: new Map<string, number[]>(),
    mode: new Map<string, number[]>(),
    mtime: new Map<string, number[]>(),
  };
  batch.changes.forEach((change, n) => {
    checkRelativePath(change.path, batch.id);
    const path = encodeField(change.path);
    const record = (
      op: string,
      e: TreeEntry | undefined,
      fields: { mode?: boolean; mtime?: boolean; target?: string },
    ) =>
      [
        op,
        n,
        fields.mode === true && e !== undefined ? formatMode(e.mode) : ABSENT_FIELD,
        e?.uid ?? ABSENT_FIELD,
        e?.gid ?? ABSENT_FIELD,
        fields.mtime === true && e !== undefined ? formatMtime(e.mtimeMs) : ABSENT_FIELD,
        path,
        fields.target !== undefined ? encodeField(fields.target) : ABSENT_FIELD,
      ].join(' ');
    switch (change.op) {
      case 'write': {
        const e = needEntry(change, batch.id);
        const source = batch.staged.get(change.path);
        if (source === undefined) throw badChange(batch.id, change, 'no staged content for this write');
        if (e.hash === undefined || !/^[0-9a-f]{64}$/.test(e.hash))
          throw badChange(batch.id, change, 'no sha256 for this write');
        contents.push({ index: n, source });
        sums.push(`${e.hash}  ${n}`);
        push(groups.owner, `${e.uid}:${e.gid}`, n);
        push(groups.mode, formatMode(e.mode), n);
        push(groups.mtime, formatMtime(e.mtimeMs), n);
        records.push(record('write', e, { mode: true, mtime: true }));
        break;
      }
      case 'symlink': {
        const e = needEntry(change, batch.id);
        if (e.target === undefined || e.target === '')
          throw badChange(batch.id, change, 'symlink without a target');
        records.push(record('symlink', e, { target: e.target }));
        break;
      }
      case 'mkdir':
        records.push(record('mkdir', needEntry(change, batch.id), { mode: true }));
        break;
      case 'delete':
        records.push(record('delete', undefined, {}));
        break;
      case 'meta': {
        const e = needEntry(change, batch.id);
        const op = e.type === 'file' ? 'meta-file' : e.type === 'dir' ? 'meta-dir' : 'meta-link';
        records.push(record(op, e, { mode: e.type !== 'symlink', mtime: e.type === 'file' }));
        break;
      }
    }
  });
  const manifest = [
    MANIFEST_MAGIC,
    `batch ${batch.id}`,
    `dest ${encodeField(dest)}`,
    ...records,
    `end ${records.length}`,
    '',
  ].join('\n');
  const meta = [
    ...metaLines('owner', groups.owner),
    ...metaLines('mode', groups.mode),
    ...metaLines('mtime', groups.mtime),
    '',
  ].join('\n');
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const allSums = [
    `${sha(manifest)}  manifest`,
    `${sha(meta)}  meta`,
    `${sha(APPLY_SCRIPT)}  apply.sh`,
    ...sums,
    '',
  ].join('\n');
  return {
    files: new Map([
      ['apply.sh', APPLY_SCRIPT],
      ['manifest', manifest],
      ['meta', meta],
      ['sums', allSums],
    ]),
    contents,
  };
}

function push(map: Map<string, number[]>, key: string, n: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [n]);
  else list.push(n);
}

function metaLines(kind: string, groups: Map<string, number[]>): string[] {
  const lines: string[] = [];
  for (const [value, indices] of groups) {
    for (let i = 0; i < indices.length; i += META_CHUNK)
      lines.push(`${kind} ${value} ${indices.slice(i, i + META_CHUNK).join(' ')}`);
  }
  return lines;
}

function needEntry(change: Change, batchId: string): TreeEntry {
  if (change.entry === undefined) throw badChange(batchId, change, `${change.op} without an entry`);
  return change.entry;
}

function badChange(batchId: string, change: Change, reason: string): TransportError {
  return new TransportError(`batch ${batchId}: ${change.op} ${JSON.stringify(change.path)}: ${reason}`);
}

function checkRelativePath(path: string, batchId: string): void {
  const parts = path.split('/');
  if (path === '' || path.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new TransportError(
      `batch ${batchId}: change path ${JSON.stringify(path)} is not a clean relative path`,
    );
  }
}

function checkDestDir(destDir: string): string {
  if (!destDir.startsWith('/') || destDir.includes('\0') || destDir.split('/').includes('..')) {
    throw new TransportError(`destination ${JSON.stringify(destDir)} must be an absolute path without ".."`);
  }
  const trimmed = destDir.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
