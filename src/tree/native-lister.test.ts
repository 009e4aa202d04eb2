import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type FoundListing, LIST_IN_THREAD } from './directory-requests.js';
import { listDirectory } from './list-directory.js';
import { permitAll } from './matchers-for-tests.js';
import { NativeLister } from './native-lister.js';
import { FIELDS_PER_STAT, packStat, StatKind } from './raw-stat.js';
import { scanTree } from './scan-tree.js';
import { scratchDirs } from './scratch-for-tests.js';

const scratch = scratchDirs('native-lister-test-');
const freshDir = (): string => scratch.fresh();

// CI builds the addon (npm ci runs node-gyp): a test run without it must fail, not skip.
function lister(root: string): NativeLister {
  const made = NativeLister.create(root, 2);
  assert.ok(made !== undefined, 'the tree lister addon is not built (npm run build:native)');
  return made;
}

function listed(found: FoundListing | typeof LIST_IN_THREAD): FoundListing {
  assert.notEqual(found, LIST_IN_THREAD);
  return found as FoundListing;
}

test('every field is what lstat gives, times to the bit, in name order', async () => {
  const root = freshDir();
  mkdirSync(join(root, 'd'));
  writeFileSync(join(root, 'd', 'b file'), 'hello', { mode: 0o640 });
  writeFileSync(join(root, 'd', 'a'), '');
  utimesSync(join(root, 'd', 'a'), new Date(-315619199500), new Date(1796310666421.1882));
  mkdirSync(join(root, 'd', 'sub'), { mode: 0o2750 });
  symlinkSync('a target', join(root, 'd', 'ln'));
  const found = listed(await lister(root).list('d'));
  assert.deepEqual(found.paths, ['d/a', 'd/b file', 'd/ln', 'd/sub']);
  assert.equal(found.undecodable, 0);
  const expected = new Float64Array(found.paths.length * FIELDS_PER_STAT);
  found.paths.forEach((p, i) => packStat(expected, i, lstatSync(join(root, p))));
  assert.deepEqual(found.batch.fields, expected);
  assert.deepEqual([...found.batch.targets], [[2, 'a target']]);
  assert.equal(found.batch.errors.size, 0);
});

test('jobs of many directories: each request gets its own directory, whatever the job split', async () => {
  const root = freshDir();
  const dirs = Array.from({ length: 75 }, (_, i) => `dir${String(i).padStart(2, '0')}`);
  for (const [i, d] of dirs.entries()) {
    mkdirSync(join(root, d));
    for (let f = 0; f < i % 4; f++) writeFileSync(join(root, d, `f${f}`), d);
  }
  const l = lister(root);
  const results = await Promise.all(dirs.map((d) => l.list(d)));
  results.forEach((r, i) => {
    const expected = Array.from({ length: i % 4 }, (_, f) => `${dirs[i]}/f${f}`);
    assert.deepEqual(listed(r).paths, expected);
  });
});

test('a directory that is gone, or is a symlink now, is left to the caller (which learns why)', async () => {
  const root = freshDir();
  mkdirSync(join(root, 'real'));
  writeFileSync(join(root, 'real', 'x'), 'x');
  symlinkSync('real', join(root, 'alias'));
  const l = lister(root);
  assert.equal(await l.list('gone'), LIST_IN_THREAD);
  assert.equal(await l.list('alias'), LIST_IN_THREAD); // never followed out of the tree
  assert.deepEqual(listed(await l.list('real')).paths, ['real/x']);
});

test('a vanished root fails the requests of its job', async () => {
  const root = freshDir();
  const l = lister(root);
  rmSync(root, { recursive: true });
  await assert.rejects(l.list('x'), /cannot open the tree root: No such file or directory/);
});

test('names in JavaScript order, not byte order; undecodable names and link targets', async () => {
  const root = freshDir();
  mkdirSync(join(root, 'd'));
  // UTF-8 bytes put U+FF5E before U+1F600; UTF-16 code units (the scanner's order) the other way.
  for (const name of ['a\u{FF5E}', 'a\u{1F600}', 'b']) writeFileSync(join(root, 'd', name), name);
  writeFileSync(Buffer.from(`${join(root, 'd')}/bad\xff`, 'latin1'), 'x');
  symlinkSync(Buffer.from('to\xfe', 'latin1'), join(root, 'd', 'c-link'));
  symlinkSync('é', join(root, 'd', 'd-link'));
  const found = listed(await lister(root).list('d'));
  assert.deepEqual(found.paths, ['d/a\u{1F600}', 'd/a\u{FF5E}', 'd/b', 'd/c-link', 'd/d-link']);
  assert.equal(found.undecodable, 1);
  assert.equal(found.batch.fields[3 * FIELDS_PER_STAT], StatKind.Failed);
  assert.deepEqual(
    [...found.batch.errors],
    [[3, 'its symlink target is not valid UTF-8 (cannot be represented)']],
  );
  assert.deepEqual([...found.batch.targets], [[4, 'é']]);
  const sizes = found.paths.map((_, i) => found.batch.fields[i * FIELDS_PER_STAT + 4]);
  assert.deepEqual(sizes.slice(0, 3), [5, 4, 1]); // the stats moved with their names
});

test('the addon and the in-thread listing agree on which byte names are valid UTF-8 (random names)', async () => {
  const root = freshDir();
  mkdirSync(join(root, 'd'));
  // Pieces at the edges of the UTF-8 grammar: valid sequences (U+0080, U+07FF, U+0800, U+D7FF,
  // U+E000, U+FFFF, U+10000, U+10FFFF) and near misses (overlong, surrogate, beyond U+10FFFF,
  // cut short, stray continuation bytes, C0/C1/F5/FF).
  const pieces = ['41', 'c280', 'dfbf', 'e0a080', 'ed9fbf', 'ee8080', 'efbfbf', 'f0908080', 'f48fbfbf'];
  pieces.push(
    'c0af',
    'c1bf',
    'e09f80',
    'eda080',
    'f08f8080',
    'f4908080',
    'f5',
    'ff',
    '80',
    'bf',
    'e282',
    'f09f98',
  );
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const made = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const hex = Array.from({ length: 1 + random(3) }, () => pieces[random(pieces.length)] as string).join('');
    const bytes = Buffer.from(hex, 'hex');
    const key = bytes.toString('hex');
    if (made.has(key)) continue;
    made.add(key);
    writeFileSync(Buffer.concat([Buffer.from(`${join(root, 'd')}/`), bytes]), '');
  }
  const inThread = listDirectory(join(root, 'd'));
  const found = listed(await lister(root).list('d'));
  assert.ok(
    inThread.undecodable > 50 && inThread.names.length > 30,
    `both kinds of names were made: ${inThread.undecodable} ${inThread.names.length}`,
  );
  assert.equal(found.undecodable, inThread.undecodable);
  assert.deepEqual(
    found.paths,
    inThread.names.map((n) => `d/${n}`),
  );
});

test('an entry lstat cannot reach is reported as lstatSync would (searchable-less directory)', () => {
  const root = freshDir();
  mkdirSync(join(root, 'noexec'));
  writeFileSync(join(root, 'noexec', 'f'), 'x');
  for (let i = 0; i < 3; i++) writeFileSync(join(root, `pad${i}`), '');
  spawnSync('chmod', ['0644', join(root, 'noexec')]);
  spawnSync('chmod', ['0755', root]);
  spawnSync('chmod', ['0755', scratch.root]);
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const script = `
    const { scanTree } = await import(${JSON.stringify(new URL(`./scan-tree.${ext}`, import.meta.url).href)});
    const { permitAll } = await import(${JSON.stringify(new URL(`./matchers-for-tests.${ext}`, import.meta.url).href)});
    const out = {};
    for (const [name, options] of [['thread', { workers: 0 }], ['native', { findAfterEntries: 0, bigTreeLister: 'native' }]]) {
      const r = await scanTree(${JSON.stringify(root)}, permitAll, options);
      out[name] = { keys: [...r.snapshot.keys()], warnings: r.warnings };
    }
    console.log(JSON.stringify(out));`;
  const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    ...asNobody,
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout) as Record<string, { keys: string[]; warnings: string[] }>;
  assert.deepEqual(out['native'], out['thread']);
  assert.deepEqual(out['thread']?.warnings, [
    `"noexec/f": skipped, EACCES: permission denied, lstat '${join(root, 'noexec', 'f')}'`,
  ]);
});

test('with the addon built, scans use it from the first sub-directory on', async () => {
  const root = freshDir();
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'sub', 'f'), 'x');
  const { stats } = await scanTree(root, permitAll);
  assert.equal(stats.lister, 'native');
});

test('a scan through the addon equals the in-thread scan on a tree of many directories', async () => {
  const root = freshDir();
  for (let d = 0; d < 40; d++) {
    const dir = join(root, `d${d}`, 'nested');
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 30; f++) writeFileSync(join(dir, `f${f}`), f % 7 === 0 ? `data ${d}/${f}` : '');
    symlinkSync(`nested/f${d % 30}`, join(root, `d${d}`, 'link'));
  }
  const inline = await scanTree(root, permitAll, { workers: 0 });
  const native = await scanTree(root, permitAll, { findAfterEntries: 0, bigTreeLister: 'native' });
  assert.equal(native.stats.lister, 'native');
  assert.equal(native.snapshot.size, 40 * 33);
  assert.deepEqual([...native.snapshot.values()], [...inline.snapshot.values()]);
  assert.deepEqual(native.warnings, inline.warnings);
});
