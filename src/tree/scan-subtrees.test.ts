import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PathMatcher } from '../rules/types.js';
import type { Snapshot } from '../types.js';
import { permitAll, sampleRules } from './matchers-for-tests.js';
import { scanSubtrees } from './scan-subtrees.js';
import { scanTree } from './scan-tree.js';
import { scratchDirs } from './scratch-for-tests.js';

const scratch = scratchDirs('scan-subtrees-test-');
const freshDir = (): string => scratch.fresh();

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every path in the tree (dirs walked whatever the rules say), relative, for picking edit targets. */
function allPaths(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const d of readdirSync(rel === '' ? root : join(root, rel), { withFileTypes: true })) {
    const p = rel === '' ? d.name : `${rel}/${d.name}`;
    out.push(p);
    if (d.isDirectory()) out.push(...allPaths(root, p));
  }
  return out;
}

const NAMES = ['a1', 'a2', 'b', 'c.conf', 'd.tmp', 'skip1', 'x y', '-n', 'é'];

/** One random edit; returns the paths a watcher would report for it. */
function randomEdit(root: string, rnd: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const existing = allPaths(root);
  const dirs = ['', ...existing.filter((p) => lstatSync(join(root, p)).isDirectory())];
  const under = (dir: string): string => (dir === '' ? pick(NAMES) : `${dir}/${pick(NAMES)}`);
  const abs = (p: string): string => join(root, p);
  const kind = pick([
    'create',
    'create',
    'create',
    'mkdir',
    'mkdir',
    'deep',
    'modify',
    'chmod',
    'delete',
    'rename',
    'symlink',
    'retype',
    'deep',
  ]);
  if (kind === 'deep') {
    // A new nested chain with a file at the bottom, reported only as its top (inotify sees the top).
    const top = under(pick(dirs));
    if (existsSync(abs(top))) return [];
    mkdirSync(abs(`${top}/a2/a1`), { recursive: true });
    writeFileSync(abs(`${top}/a2/a1/c.conf`), `deep ${rnd()}`);
    return [top];
  }
  if (kind === 'create' || kind === 'mkdir' || kind === 'symlink') {
    const path = under(pick(dirs));
    if (existsSync(abs(path)) || lstatSync(abs(path), { throwIfNoEntry: false }) !== undefined) return [];
    if (kind === 'create') writeFileSync(abs(path), `new ${rnd()}`);
    else if (kind === 'mkdir') mkdirSync(abs(path));
    else symlinkSync(pick(['../x', 'b', '/etc/passwd', 'nowhere']), abs(path));
    return [path];
  }
  if (existing.length === 0) return [];
  const path = pick(existing);
  const st = lstatSync(abs(path));
  switch (kind) {
    case 'modify':
      if (st.isFile()) writeFileSync(abs(path), `changed ${rnd()}`);
      else if (st.isSymbolicLink()) {
        rmSync(abs(path));
        symlinkSync(`retargeted-${Math.floor(rnd() * 3)}`, abs(path));
      }
      return [path];
    case 'chmod':
      if (!st.isSymbolicLink()) chmodSync(abs(path), pick([0o600, 0o644, 0o755, 0o700]));
      return [path];
    case 'delete':
      rmSync(abs(path), { recursive: true, force: true });
      return [path];
    case 'rename': {
      const to = under(pick(dirs.filter((d) => d !== path && !d.startsWith(`${path}/`))));
      if (lstatSync(abs(to), { throwIfNoEntry: false }) !== undefined) return [];
      renameSync(abs(path), abs(to));
      return [path, to];
    }
    default: // retype: file ↔ directory at the same path
      rmSync(abs(path), { recursive: true, force: true });
      if (st.isDirectory()) writeFileSync(abs(path), 'was a dir');
      else {
        mkdirSync(abs(path));
        writeFileSync(abs(`${path}/c.conf`), 'inside');
      }
      return [path];
  }
}

function assertSameSnapshot(actual: Snapshot, expected: Snapshot, context: string): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()], `${context}: paths/order differ`);
  assert.deepEqual([...actual.values()], [...expected.values()], `${context}: entries differ`);
}

for (const [name, matcher] of [
  ['permit-all', permitAll],
  ['rules with auto dirs, skipped dirs and excluded files', sampleRules],
] as [string, PathMatcher][]) {
  test(`scanSubtrees after random edits equals a full rescan (${name})`, async () => {
    for (const seed of [1, 2, 3, 4]) {
      const root = freshDir();
      const rnd = mulberry32(seed * 7919);
      let snapshot = (await scanTree(root, matcher)).snapshot;
      for (let step = 0; step < 80; step++) {
        const reported = randomEdit(root, rnd);
        const partial = await scanSubtrees(root, matcher, reported, snapshot);
        const full = await scanTree(root, matcher);
        assertSameSnapshot(
          partial.snapshot,
          full.snapshot,
          `seed ${seed} step ${step} reported ${JSON.stringify(reported)}`,
        );
        snapshot = partial.snapshot;
      }
    }
  });
}

test('a new file deep in not-yet-included auto dirs brings them in; removing it takes them out', async () => {
  const root = freshDir();
  const first = await scanTree(root, sampleRules);
  mkdirSync(join(root, 'a1/a2'), { recursive: true });
  writeFileSync(join(root, 'a1/a2/keep.conf'), 'k');
  const added = await scanSubtrees(root, sampleRules, ['a1/a2/keep.conf'], first.snapshot);
  assert.deepEqual([...added.snapshot.keys()], ['a1', 'a1/a2', 'a1/a2/keep.conf']);
  rmSync(join(root, 'a1/a2/keep.conf'));
  const removed = await scanSubtrees(root, sampleRules, ['a1/a2/keep.conf'], added.snapshot);
  assert.deepEqual([...removed.snapshot.keys()], []);
});

test('a path below a vanished directory rescans that directory; paths are validated', async () => {
  const root = freshDir();
  mkdirSync(join(root, 'd/e'), { recursive: true });
  writeFileSync(join(root, 'd/e/f'), 'x');
  const before = await scanTree(root, permitAll);
  rmSync(join(root, 'd'), { recursive: true });
  writeFileSync(join(root, 'd'), 'now a file');
  const after = await scanSubtrees(root, permitAll, ['d/e/f'], before.snapshot);
  assert.deepEqual([...after.snapshot.keys()], ['d']);
  assert.equal(after.snapshot.get('d')?.type, 'file');
  await assert.rejects(
    scanSubtrees(root, permitAll, ['../etc'], before.snapshot),
    /not a relative tree path/,
  );
  await assert.rejects(scanSubtrees(root, permitAll, ['/abs'], before.snapshot), /not a relative tree path/);
});

test('the root itself as a path is a full rescan', async () => {
  const root = freshDir();
  writeFileSync(join(root, 'one'), '1');
  const before = await scanTree(root, permitAll);
  writeFileSync(join(root, 'two'), '2');
  rmSync(join(root, 'one'));
  const after = await scanSubtrees(root, permitAll, [''], before.snapshot);
  assert.deepEqual([...after.snapshot.keys()], ['two']);
});
