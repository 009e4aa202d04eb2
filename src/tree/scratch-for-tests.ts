// A test file's scratch directory under the OS temp dir, removed after its tests, which hands
// out fresh empty sub-directories (one per test tree).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export interface ScratchDirs {
  readonly root: string;
  fresh(): string;
}

export function scratchDirs(prefix: string): ScratchDirs {
  const root = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(root, { recursive: true, force: true }));
  let counter = 0;
  return {
    root,
    fresh(): string {
      const dir = join(root, `t${counter++}`);
      mkdirSync(dir);
      return dir;
    },
  };
}
