import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.js';
import { HashCache, RACY_MARGIN_MS } from './hash-cache.js';
import { EMPTY_SHA256 } from './hash-file.js';
import { permitAll, sampleRules } from './matchers-for-tests.js';
import { scanTree } from './scan-tree.js';
import { scratchDirs } from './scratch-for-tests.js';

const scratch = scratchDirs('scan-tree-test-');
const freshDir = (): string => scratch.fresh();
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

test('files, directories and symlinks become sorted entries with mode, owner, size, mtime and hash', async () => {
  const root = freshDir();
  mkdirSync(join(root, 'ssh'), { mode: 0o750 });
  chmodSync(join(root, 'ssh'), 0o750);
  writeFileSync(join(root, 'ssh/sshd_config'), 'Port 22\n');
  writeFileSync(join(root, 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  chmodSync(join(root, 'passwd'), 0o4755);
  utimesSync(join(root, 'passwd'), 1_700_000_000.1239, 1_700_000_000.1239);
  writeFileSync(join(root, 'empty'), '');
  symlinkSync('ssh/sshd_config', join(root, 'link'));
  symlinkSync('/nonexistent/target', join(root, 'dangling'));

  const { snapshot, stats, warnings } = await scanTree(root, permitAll);
  assert.deepEqual(warnings, []);
  assert.deepEqual([...snapshot.keys()], ['dangling', 'empty', 'link', 'passwd', 'ssh', 'ssh/sshd_config']);
  assert.equal(snapshot.has(''), false);
  const passwd = snapshot.get('passwd');
  assert.deepEqual(passwd, {
    path: 'passwd',
    type: 'file',
    mode: 0o4755,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    size: 26,
    mtimeMs: 1_700_000_000_123,
    hash: sha256('root:x:0:0::/root:/bin/sh\n'),
  });
  assert.equal(snapshot.get('empty')?.hash, EMPTY_SHA256);
  assert.equal(EMPTY_SHA256, sha256(''));
  assert.deepEqual(
    { ...snapshot.get('ssh'), uid: 0, gid: 0 },
    { path: 'ssh', type: 'dir', mode: 0o750, uid: 0, gid: 0, size: 0, mtimeMs: 0 },
  );
  assert.equal(snapshot.get('link')?.type, 'symlink');
  assert.equal(snapshot.get('link')?.target, 'ssh/sshd_config');
  assert.equal(snapshot.get('dangling')?.target, '/nonexistent/target');
  assert.equal(snapshot.get('dangling')?.size, 0);
  assert.equal(stats.entries, 6);
  assert.equal(stats.dirsWalked, 2);
  assert.equal(stats.filesHashed, 2); // the empty file needs no read
});

test('a symlink to a directory is an object of its own: never followed', async () => {
  const root = freshDir();
  const outside = freshDir();
  writeFileSync(join(outside, 'secret'), 'x');
  symlinkSync(outside, join(root, 'out'));
  const { snapshot } = await scanTree(root, permitAll);
  assert.deepEqual([...snapshot.keys()], ['out']);
  assert.equal(snapshot.get('out')?.type, 'symlink');
});

test('hostile names are kept verbatim', async () => {
  const root = freshDir();
  const names = [
    'with\nnewline',
    `quotes ' and "`,
    '$(touch clsync-pwned)',
    '-rf',
    '--help',
    'spaces  in name ',
    'ünïcødé-日本-🎉',
    'back`tick`',
    'real \uFFFD replacement char',
  ];
  mkdirSync(join(root, 'dir with\nnewline'));
  for (const name of names) writeFileSync(join(root, 'dir with\nnewline', name), name);
  // '$(touch /tmp/x)' as a path: directory '$(touch ', directory 'tmp', file 'x)'.
  mkdirSync(join(root, '$(touch /tmp'), { recursive: true });
  writeFileSync(join(root, '$(touch /tmp/x)'), 'x');
  const { snapshot, warnings } = await scanTree(root, permitAll);
  assert.deepEqual(warnings, []);
  assert.equal(snapshot.get('$(touch /tmp/x)')?.hash, sha256('x'));
  assert.equal(snapshot.get('$(touch ')?.type, 'dir');
  for (const name of names) {
    const entry = snapshot.get(`dir with\nnewline/${name}`);
    assert.ok(entry, `missing ${JSON.stringify(name)}`);
    assert.equal(entry.hash, sha256(name));
  }
});

test('names that are not valid UTF-8 are skipped with a warning naming the directory', async () => {
  const root = freshDir();
  mkdirSync(join(root, 'conf.d'));
  writeFileSync(
    Buffer.concat([Buffer.from(`${root}/conf.d/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.conf')]),
    'x',
  );
  writeFileSync(join(root, 'conf.d/good.conf'), 'y');
  symlinkSync(Buffer.from([0x2f, 0x74, 0xff]), join(root, 'conf.d/link-to-bad-bytes'));
  const { snapshot, warnings } = await scanTree(root, permitAll);
  assert.deepEqual([...snapshot.keys()], ['conf.d', 'conf.d/good.conf']);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] ?? '', /"conf\.d": skipped 1 name\(s\) that are not valid UTF-8/);
  assert.match(
    warnings[1] ?? '',
    /"conf\.d\/link-to-bad-bytes": skipped, its symlink target is not valid UTF-8/,
  );
});

test('sockets and FIFOs are skipped with a warning, unless the rules exclude them anyway', async () => {
  const root = freshDir();
  execFileSync('mkfifo', [join(root, 'pipe'), join(root, 'pipe.tmp')]);
  const server = createServer();
  await new Promise<void>((done) => server.listen(join(root, 'sock'), done));
  try {
    writeFileSync(join(root, 'file'), 'x');
    const { snapshot, warnings } = await scanTree(root, sampleRules);
    assert.deepEqual([...snapshot.keys()], ['file']);
    assert.deepEqual(warnings.sort(), [
      '"pipe": skipped, a FIFO cannot be synced',
      '"sock": skipped, a socket cannot be synced',
    ]);
  } finally {
    server.close();
  }
});

test('auto-walked directories appear only when something below them is included', async () => {
  const root = freshDir();
  // a*: auto dirs; skip*: not walked; *.tmp: excluded
  mkdirSync(join(root, 'a1/a2/a3'), { recursive: true });
  writeFileSync(join(root, 'a1/a2/a3/keep.conf'), 'k');
  mkdirSync(join(root, 'a1/aempty/anested'), { recursive: true });
  writeFileSync(join(root, 'a1/aempty/anested/x.tmp'), 'excluded');
  mkdirSync(join(root, 'aonlyskip/skipme'), { recursive: true });
  writeFileSync(join(root, 'aonlyskip/skipme/x.conf'), 'not walked');
  mkdirSync(join(root, 'plain/a-inside'), { recursive: true });
  writeFileSync(join(root, 'plain/file.tmp'), 'excluded');
  const { snapshot } = await scanTree(root, sampleRules);
  assert.deepEqual([...snapshot.keys()], ['a1', 'a1/a2', 'a1/a2/a3', 'a1/a2/a3/keep.conf', 'plain']);
  assert.equal(snapshot.get('a1/a2')?.type, 'dir');
  assert.equal(snapshot.get('a1/a2')?.mode, statSync(join(root, 'a1/a2')).mode & 0o7777);
});

test('the hash cache: only files whose identity changed are read again', async () => {
  const root = freshDir();
  for (let i = 0; i < 20; i++) writeFileSync(join(root, `f${i}`), `content ${i}`);
  const tomorrow = Date.now() / 1000 + 86_400;
  utimesSync(join(root, 'f0'), tomorrow, tomorrow); // a future mtime does not defeat the cache
  // A file is trusted from the cache only once its ctime is older than RACY_MARGIN_MS at hashing time.
  await sleep(RACY_MARGIN_MS + 100);
  const cache = new HashCache();
  const first = await scanTree(root, permitAll, { hashCache: cache });
  assert.equal(first.stats.filesHashed, 20);
  const second = await scanTree(root, permitAll, { hashCache: cache });
  assert.equal(second.stats.filesHashed, 0);
  assert.deepEqual(second.snapshot, first.snapshot);

  writeFileSync(join(root, 'f3'), 'changed 3'); // same size, new mtime/ctime
  rmSync(join(root, 'f4'));
  const third = await scanTree(root, permitAll, { hashCache: cache });
  assert.equal(third.stats.filesHashed, 1);
  assert.equal(third.snapshot.get('f3')?.hash, sha256('changed 3'));
  assert.equal(cache.size, 19, 'forgets files no longer in the tree');

  // Same size and mtime restored by hand: the ctime still gives the change away.
  const before = statSync(join(root, 'f5'));
  writeFileSync(join(root, 'f5'), 'CONTENT 5');
  utimesSync(join(root, 'f5'), before.atime, before.mtime);
  const fourth = await scanTree(root, permitAll, { hashCache: cache });
  assert.equal(fourth.snapshot.get('f5')?.hash, sha256('CONTENT 5'));
});

test('a file changed within the racy margin of its hashing is read again next time', async () => {
  const root = freshDir();
  writeFileSync(join(root, 'fresh'), 'v1');
  const cache = new HashCache();
  await scanTree(root, permitAll, { hashCache: cache });
  const again = await scanTree(root, permitAll, { hashCache: cache });
  assert.equal(again.stats.filesHashed, 1);
});

test('the hash cache survives save and load; a corrupt file is ignored and says so', async () => {
  const root = freshDir();
  writeFileSync(join(root, 'a'), 'a');
  await sleep(RACY_MARGIN_MS + 100);
  const file = join(freshDir(), 'hash-cache.json');
  const cache = new HashCache();
  await scanTree(root, permitAll, { hashCache: cache });
  await cache.save(file);
  const loaded = await HashCache.load(file);
  assert.equal(loaded.loadProblem, undefined);
  assert.equal((await scanTree(root, permitAll, { hashCache: loaded })).stats.filesHashed, 0);

  writeFileSync(file, '{"version": 1, "entries": [[');
  const corrupt = await HashCache.load(file);
  assert.match(corrupt.loadProblem ?? '', /hash-cache\.json: ignored/);
  assert.equal(corrupt.size, 0);
  assert.equal((await HashCache.load(join(root, 'missing.json'))).loadProblem, undefined);

  // a state dir that cannot take the cache (full, read-only): a warning, not a failed run
  writeFileSync(join(root, 'b'), 'b');
  await scanTree(root, permitAll, { hashCache: loaded });
  const nowhere = join(root, 'a', 'hash-cache.json'); // under a regular file: ENOTDIR
  assert.match(
    (await loaded.trySave(nowhere)) ?? '',
    /^cannot save the hash cache .*ENOTDIR.*hashed again next time$/,
  );
  assert.equal(await loaded.trySave(file), undefined);
});

test('an unreadable directory is skipped with a warning; an unreadable root is a usage error', () => {
  const root = mkdtempSync(join(tmpdir(), 'scan-tree-eacces-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'locked'), { mode: 0o700 });
  writeFileSync(join(root, 'locked/inside'), 'x');
  writeFileSync(join(root, 'open'), 'y', { mode: 0o644 });
  writeFileSync(join(root, 'unreadable'), 'z', { mode: 0o600 });
  mkdirSync(join(root, 'locked-root'), { mode: 0o700 });
  // Root reads everything, so the scan runs as nobody when the tests run as root.
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const script = `
    const { scanTree } = await import(${JSON.stringify(new URL(`./scan-tree.${ext}`, import.meta.url).href)});
    const { permitAll } = await import(${JSON.stringify(new URL(`./matchers-for-tests.${ext}`, import.meta.url).href)});
    const r = await scanTree(${JSON.stringify(root)}, permitAll);
    let rootError;
    try { await scanTree(${JSON.stringify(join(root, 'locked-root'))}, permitAll); } catch (e) { rootError = e.name + ': ' + e.message; }
    console.log(JSON.stringify({ keys: [...r.snapshot.keys()], warnings: r.warnings, rootError }));`;
  const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    ...asNobody,
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout) as { keys: string[]; warnings: string[]; rootError: string };
  assert.deepEqual(out.keys, ['locked', 'locked-root', 'open']);
  assert.deepEqual(out.warnings, [
    '"locked": cannot read directory (EACCES), its content is skipped',
    '"locked-root": cannot read directory (EACCES), its content is skipped',
    '"unreadable": skipped, cannot read it (EACCES: permission denied, open \'' +
      join(root, 'unreadable') +
      "')",
  ]);
  assert.match(out.rootError, /^UsageError: watch dir .*locked-root: cannot be read \(EACCES\)/);
});

test('a missing or non-directory root is a usage error', async () => {
  const root = freshDir();
  writeFileSync(join(root, 'file'), 'x');
  await assert.rejects(
    scanTree(join(root, 'nope'), permitAll),
    (e) => e instanceof UsageError && /does not exist/.test(e.message),
  );
  await assert.rejects(
    scanTree(join(root, 'file'), permitAll),
    (e) => e instanceof UsageError && /not a directory/.test(e.message),
  );
});

test('worker threads give the same snapshot as the in-thread scan', async () => {
  const root = freshDir();
  for (let d = 0; d < 30; d++) {
    mkdirSync(join(root, `d${d}`));
    for (let f = 0; f < 100; f++)
      writeFileSync(join(root, `d${d}`, `f${f}`), f % 10 === 0 ? `data ${f}` : '');
    symlinkSync(`f${d}`, join(root, `d${d}`, 'link'));
  }
  const inline = await scanTree(root, permitAll, { workers: 0 });
  const pooled = await scanTree(root, permitAll, { workers: 2 });
  assert.equal(pooled.snapshot.size, 30 * 102);
  assert.equal(pooled.stats.filesHashed, 300);
  assert.deepEqual([...pooled.snapshot.values()], [...inline.snapshot.values()]);
});

for (const lister of ['find', 'native'] as const) {
  test(`${lister === 'find' ? 'find(1)' : 'the addon'} listing gives the same snapshot, warnings and hash-cache fields as the in-thread scan`, async () => {
    const root = freshDir();
    const odd = ['new\nline', 'sp ace', `q'uo"te`, '$(touch pwned)', '-rf', 'é'];
    for (const d of ['d1', ...odd.map((o) => `d${o}`)]) {
      mkdirSync(join(root, d));
      for (const name of [...odd, 'plain']) writeFileSync(join(root, d, name), `${d}/${name}`);
      for (let i = 0; i < 5; i++) writeFileSync(join(root, d, `f${i}`), '');
      symlinkSync('target with space', join(root, d, 'link'));
    }
    mkdirSync(join(root, 'd1', 'empty'));
    mkdirSync(join(root, 'd1', 'sub'));
    writeFileSync(join(root, 'd1', 'sub', 'deep'), 'x');
    writeFileSync(Buffer.from(`${join(root, 'd1')}/\xff`, 'latin1'), 'bad name');
    execFileSync('mkfifo', [join(root, 'd1', 'fifo')]);
    // Old enough for the hash cache to trust (see RACY_MARGIN_MS).
    await sleep(RACY_MARGIN_MS + 50);
    const cacheA = new HashCache();
    const cacheB = new HashCache();
    const inline = await scanTree(root, permitAll, { workers: 0, hashCache: cacheA });
    const found = await scanTree(root, permitAll, {
      findAfterEntries: 0,
      bigTreeLister: lister,
      hashCache: cacheB,
    });
    assert.equal(found.stats.lister, lister);
    assert.equal(inline.stats.lister, 'thread');
    assert.deepEqual([...found.snapshot.values()], [...inline.snapshot.values()]);
    assert.deepEqual(found.warnings, inline.warnings);
    assert.equal(found.warnings.length, 2); // the non-UTF-8 name and the FIFO
    // Same size/mtime/ctime/ino: a cache written by one engine is valid for the other.
    const again = await scanTree(root, permitAll, {
      findAfterEntries: 0,
      bigTreeLister: lister,
      hashCache: cacheA,
    });
    assert.equal(again.stats.filesHashed, 0);
    assert.ok(inline.stats.filesHashed > 0);
  });
}
