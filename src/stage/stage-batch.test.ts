import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { permitAll } from '../tree/matchers-for-tests.js';
import { scanTree } from '../tree/scan-tree.js';
import { diffSnapshots } from '../plan/diff-snapshots.js';
import { LedgerError } from '../errors.js';
import { SYNC_COPY_MAX } from './copy-and-hash.js';
import type { StagedContent } from '../types.js';
import { disposeBatch, newBatchId, stageBatch } from './stage-batch.js';
import { scratchDirs } from '../tree/scratch-for-tests.js';

const scratch = scratchDirs('stage-test-');
const freshDir = (): string => scratch.fresh();
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
/** A staged copy's text, from its file or from memory. */
const text = (content: StagedContent | undefined): string =>
  typeof content === 'string' ? readFileSync(content, 'utf8') : (content?.toString('utf8') ?? '<not staged>');

test('write changes are frozen, small ones in memory, big ones into a private dir under index names; other changes pass through', async () => {
  const source = freshDir();
  mkdirSync(join(source, 'ssh'));
  writeFileSync(join(source, 'ssh/sshd_config'), 'Port 22\n');
  writeFileSync(join(source, '$(touch pwned) name\n'), 'hostile');
  writeFileSync(join(source, 'big $(name)'), 'x'.repeat(SYNC_COPY_MAX + 1));
  symlinkSync('ssh', join(source, 'link'));
  const { snapshot } = await scanTree(source, permitAll);
  const have = new Map([
    [
      'old',
      { path: 'old', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, size: 0, mtimeMs: 0, hash: 'x' },
    ],
  ]);
  const changes = diffSnapshots(have, snapshot, { noDelete: false });
  const stageRoot = join(freshDir(), 'stage');

  const { batch, dropped, warnings } = await stageBatch(source, changes, stageRoot, '/srv/etc');
  assert.deepEqual(dropped, []);
  assert.deepEqual(warnings, []);
  assert.match(batch.id, /^[0-9a-z]{10}$/);
  assert.equal(batch.destDir, '/srv/etc');
  assert.deepEqual(batch.changes, changes, 'unchanged files keep their scanned entries');
  const stageDir = join(stageRoot, batch.id);
  assert.equal(statSync(stageDir).mode & 0o777, 0o700);
  assert.deepEqual([...batch.staged.keys()].sort(), [
    '$(touch pwned) name\n',
    'big $(name)',
    'ssh/sshd_config',
  ]);
  for (const [path, content] of batch.staged) {
    assert.equal(sha256(text(content)), snapshot.get(path)?.hash, path);
    if (path !== 'big $(name)') {
      assert.ok(Buffer.isBuffer(content), `${path}: small, held in memory`);
      continue;
    }
    assert.equal(typeof content, 'string', 'big: a staged file');
    const file = content as string;
    assert.equal(dirname(file), stageDir);
    assert.match(file.slice(stageDir.length + 1), /^\d+$/, 'index names only');
    assert.equal(statSync(file).mode & 0o777, 0o600);
  }
  assert.equal(readdirSync(stageDir).length, 1, 'only the big file has a file in the stage');
  await disposeBatch(batch);
  assert.equal(existsSync(stageDir), false);
});

test('a file changed after the scan is staged as it is now, and its entry says so', async () => {
  const source = freshDir();
  writeFileSync(join(source, 'passwd'), 'root:x:0:0\n');
  writeFileSync(join(source, 'vanishing'), 'soon gone');
  writeFileSync(join(source, 'becomes-link'), 'was a file');
  writeFileSync(join(source, 'secret'), 'TOP SECRET');
  const { snapshot } = await scanTree(source, permitAll);
  const changes = diffSnapshots(new Map(), snapshot, { noDelete: false });

  writeFileSync(join(source, 'passwd'), 'root:x:0:0\nalice:x:1000:1000\n', { mode: 0o600 });
  rmSync(join(source, 'vanishing'));
  rmSync(join(source, 'becomes-link'));
  symlinkSync(join(source, 'secret'), join(source, 'becomes-link'));

  const { batch, dropped } = await stageBatch(source, changes, join(freshDir(), 'stage'), '/etc');
  assert.deepEqual(dropped, ['becomes-link', 'vanishing']);
  assert.deepEqual(
    batch.changes.map((c) => c.path),
    ['passwd', 'secret'],
  );
  const passwd = batch.changes[0]?.entry;
  const now = statSync(join(source, 'passwd'));
  assert.deepEqual(passwd, {
    path: 'passwd',
    type: 'file',
    mode: now.mode & 0o7777,
    uid: now.uid,
    gid: now.gid,
    size: 29,
    mtimeMs: Math.floor(now.mtimeMs),
    hash: sha256('root:x:0:0\nalice:x:1000:1000\n'),
  });
  assert.notDeepEqual(passwd, snapshot.get('passwd'));
  assert.equal(text(batch.staged.get('passwd')), 'root:x:0:0\nalice:x:1000:1000\n');
  // The symlink swapped in was not followed: nothing of its target was staged for that path.
  assert.equal(batch.staged.has('becomes-link'), false);
  assert.deepEqual([...batch.staged.keys()].sort(), ['passwd', 'secret']);
  await disposeBatch(batch);
});

test('big files (asynchronous copy) and a small one grown big (synchronous copy) are staged whole', async () => {
  const source = freshDir();
  const big = 'b'.repeat(SYNC_COPY_MAX + 1);
  writeFileSync(join(source, 'big'), big);
  writeFileSync(join(source, 'big-vanishing'), big);
  writeFileSync(join(source, 'big-becomes-link'), big);
  writeFileSync(join(source, 'grows'), 'small');
  const { snapshot } = await scanTree(source, permitAll);
  const changes = diffSnapshots(new Map(), snapshot, { noDelete: false });

  const grown = `${big}and more`;
  writeFileSync(join(source, 'big'), grown);
  writeFileSync(join(source, 'grows'), grown);
  rmSync(join(source, 'big-vanishing'));
  rmSync(join(source, 'big-becomes-link'));
  symlinkSync('grows', join(source, 'big-becomes-link'));

  const { batch, dropped } = await stageBatch(source, changes, join(freshDir(), 'stage'), '/etc');
  assert.deepEqual(dropped, ['big-becomes-link', 'big-vanishing']);
  for (const path of ['big', 'grows']) {
    const change = batch.changes.find((c) => c.path === path);
    assert.equal(change?.entry?.size, grown.length, path);
    assert.equal(change?.entry?.hash, sha256(grown), path);
    const content = batch.staged.get(path);
    assert.equal(typeof content, 'string', `${path}: too big to hold, a staged file`);
    assert.equal(text(content), grown, path);
    assert.equal(statSync(content as string).mode & 0o777, 0o600, path);
  }
  await disposeBatch(batch);
});

test('past the memory budget, small files are frozen as files', async () => {
  const source = freshDir();
  for (let i = 0; i < 5; i++) writeFileSync(join(source, `f${i}`), `content${i}`); // 8 bytes each
  const { snapshot } = await scanTree(source, permitAll);
  const changes = diffSnapshots(new Map(), snapshot, { noDelete: false });
  // room for one file of the largest size held at a time, and 10 bytes: one or two in memory
  const heldBytesMax = SYNC_COPY_MAX + 10;
  const { batch } = await stageBatch(source, changes, join(freshDir(), 'stage'), '/etc', { heldBytesMax });
  const held = [...batch.staged.values()].filter((c) => Buffer.isBuffer(c));
  assert.ok(held.length >= 1 && held.length <= 2, `${held.length} held in memory`);
  assert.equal(batch.staged.size, 5);
  for (const [path, content] of batch.staged) assert.equal(text(content), `content${path.slice(1)}`);
  await disposeBatch(batch);
});

test('thousands of small files are all staged (the synchronous copies yield now and then)', async () => {
  const source = freshDir();
  for (let i = 0; i < 3000; i++) writeFileSync(join(source, `f${i}`), `content ${i}\n`);
  const { snapshot } = await scanTree(source, permitAll);
  const changes = diffSnapshots(new Map(), snapshot, { noDelete: false });
  const { batch, dropped, warnings } = await stageBatch(source, changes, join(freshDir(), 'stage'), '/etc');
  assert.deepEqual([dropped, warnings], [[], []]);
  assert.equal(batch.staged.size, 3000);
  for (const [path, content] of batch.staged) assert.equal(text(content), `content ${path.slice(1)}\n`);
  await disposeBatch(batch);
});

test('a batch without writes still gets (and disposes of) its own stage dir', async () => {
  const stageRoot = join(freshDir(), 'stage');
  const { batch } = await stageBatch(
    freshDir(),
    [{ path: 'x', op: 'delete', previousType: 'file' }],
    stageRoot,
    '/etc',
  );
  assert.deepEqual(readdirSync(stageRoot), [batch.id]);
  await disposeBatch(batch);
  assert.deepEqual(readdirSync(stageRoot), []);
});

test('a state dir that cannot hold the stage stops the run as a state error that names it', async () => {
  const root = freshDir();
  writeFileSync(join(root, 'not-a-dir'), 'a file where the state dir should be');
  const stageRoot = join(root, 'not-a-dir', 'stage');
  await assert.rejects(
    stageBatch(freshDir(), [{ path: 'x', op: 'delete', previousType: 'file' }], stageRoot, '/etc'),
    (err: unknown) =>
      err instanceof LedgerError &&
      err.message.startsWith(`cannot stage the batch in ${stageRoot}/`) &&
      err.message.includes('(--state-dir): ENOTDIR'),
  );
});

test('batch ids are 10 base36 characters and differ', () => {
  const ids = new Set(Array.from({ length: 1000 }, newBatchId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[0-9a-z]{10}$/);
});
