// Build source trees for tests and compare what a node received with the source, object by object
// (content, type, mode, owner, group, file mtime, symlink target).
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, chown, lutimes, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface TreeSpecEntry {
  readonly path: string;
  readonly content?: string | Buffer;
  readonly dir?: boolean;
  readonly symlink?: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly mtime?: number; // seconds since the epoch
}

export async function makeTree(root: string, entries: readonly TreeSpecEntry[]): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const e of entries) {
    const p = join(root, e.path);
    await mkdir(dirname(p), { recursive: true });
    if (e.dir === true) await mkdir(p, { recursive: true });
    else if (e.symlink !== undefined) await symlink(e.symlink, p);
    else await writeFile(p, e.content ?? `content of ${e.path}\n`);
    if (e.uid !== undefined || e.gid !== undefined) await chown(p, e.uid ?? 0, e.gid ?? 0);
    if (e.mode !== undefined && e.symlink === undefined) await chmod(p, e.mode);
    if (e.mtime !== undefined) await lutimes(p, e.mtime, e.mtime);
  }
}

export interface ObjectDescription {
  readonly type: 'file' | 'dir' | 'symlink' | 'other';
  readonly mode?: string;
  readonly owner?: string;
  readonly mtime?: number;
  readonly content?: string;
  readonly target?: string;
}

/** A comparable description of one object (undefined when missing). */
export function describeObject(path: string): ObjectDescription | undefined {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return undefined;
  }
  if (st.isSymbolicLink())
    return { type: 'symlink', target: readlinkSync(path), owner: `${st.uid}:${st.gid}` };
  if (st.isDirectory())
    return { type: 'dir', mode: (st.mode & 0o7777).toString(8), owner: `${st.uid}:${st.gid}` };
  if (st.isFile()) {
    return {
      type: 'file',
      mode: (st.mode & 0o7777).toString(8),
      owner: `${st.uid}:${st.gid}`,
      mtime: Math.floor(st.mtimeMs / 1000),
      content: readFileSync(path).toString('base64'),
    };
  }
  return { type: 'other' };
}
