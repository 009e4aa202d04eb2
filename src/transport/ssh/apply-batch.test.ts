// applyBatch against an in-memory SFTP server: the failure rules (no rename after a failed write,
// temp removed, nothing new after the first failure) and the ordering rules, without a lab.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Batch, Change } from '../../types.js';
import { applyBatch, DEFAULT_APPLY_TUNING } from './apply-batch.js';
import { BatchContent } from './batch-content.js';
import { changeDependencies } from './change-order.js';
import { link as linkEntry } from '../../tree/entries-for-tests.js';
import { HostAbortedError, SFTP_STATUS, SftpStatusError } from './ssh-errors.js';
import type { SftpSession } from './sftp-session.js';

type Node = {
  type: 'file' | 'dir' | 'symlink';
  data: Buffer;
  mode: number;
  uid: number;
  gid: number;
  mtime?: number;
};
const FORMAT = { file: 0o100000, dir: 0o040000, symlink: 0o120000 } as const;

/** Just enough of sftp-server: a path → node map, requests logged, failures injected per op/path. */
class FakeSftp {
  readonly fs = new Map<string, Node>([
    ['/', { type: 'dir', data: Buffer.alloc(0), mode: 0o755, uid: 0, gid: 0 }],
  ]);
  readonly log: string[] = [];
  private handles = new Map<string, string>();
  constructor(private readonly failOn: (op: string, path: string) => number | undefined = () => undefined) {}
  dead = undefined;

  private async req<T>(op: string, path: string, run: () => T): Promise<T> {
    await Promise.resolve();
    this.log.push(`${op} ${path}`);
    const status = this.failOn(op, path);
    if (status !== undefined) throw new SftpStatusError(op, path, status, 'Failure');
    return run();
  }
  private parentOk(path: string): void {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (this.fs.get(parent)?.type !== 'dir')
      throw new SftpStatusError('x', path, SFTP_STATUS.NO_SUCH_FILE, 'No such file');
  }
  private node(path: string): Node {
    const n = this.fs.get(path);
    if (n === undefined) throw new SftpStatusError('x', path, SFTP_STATUS.NO_SUCH_FILE, 'No such file');
    return n;
  }
  private stats(n: Node) {
    return {
      isDirectory: () => n.type === 'dir',
      isSymbolicLink: () => n.type === 'symlink',
      mode: FORMAT[n.type] | n.mode,
      uid: n.uid,
      gid: n.gid,
      size: n.type === 'file' ? n.data.length : 0,
      mtime: n.mtime ?? 0,
    };
  }
  open(path: string, _flags: string, mode: number) {
    return this.req('open', path, () => {
      this.parentOk(path);
      if (this.fs.has(path)) throw new SftpStatusError('open', path, SFTP_STATUS.FAILURE, 'Failure');
      this.fs.set(path, { type: 'file', data: Buffer.alloc(0), mode, uid: 0, gid: 0 });
      const h = `h${this.handles.size}`;
      this.handles.set(h, path);
      return Buffer.from(h);
    });
  }
  write(handle: Buffer, path: string, data: Buffer, position: number) {
    return this.req('write', path, () => {
      const n = this.node(this.handles.get(handle.toString()) ?? '');
      const out = Buffer.alloc(Math.max(n.data.length, position + data.length));
      n.data.copy(out);
      data.copy(out, position);
      n.data = out;
    });
  }
  fsync(_h: Buffer, path: string) {
    return this.req('fsync', path, () => undefined);
  }
  fsetstat(handle: Buffer, path: string, a: { uid?: number; gid?: number; mode?: number }) {
    return this.req('fsetstat', path, () =>
      Object.assign(this.node(this.handles.get(handle.toString()) ?? ''), a),
    );
  }
  fchmod(handle: Buffer, path: string, mode: number) {
    return this.req(
      'fchmod',
      path,
      () => void (this.node(this.handles.get(handle.toString()) ?? '').mode = mode),
    );
  }
  close(handle: Buffer, path: string) {
    return this.req('close', path, () => void this.handles.delete(handle.toString()));
  }
  rename(from: string, to: string) {
    return this.req('rename', to, () => {
      this.fs.set(to, this.node(from));
      this.fs.delete(from);
    });
  }
  unlink(path: string) {
    return this.req('unlink', path, () => {
      if (this.node(path).type === 'dir')
        throw new SftpStatusError('unlink', path, SFTP_STATUS.FAILURE, 'Failure');
      this.fs.delete(path);
    });
  }
  rmdir(path: string) {
    return this.req('rmdir', path, () => {
      if ([...this.fs.keys()].some((k) => k.startsWith(`${path}/`))) {
        throw new SftpStatusError('rmdir', path, SFTP_STATUS.FAILURE, 'Failure');
      }
      this.node(path);
      this.fs.delete(path);
    });
  }
  mkdir(path: string, mode: number) {
    return this.req('mkdir', path, () => {
      this.parentOk(path);
      if (this.fs.has(path)) throw new SftpStatusError('mkdir', path, SFTP_STATUS.FAILURE, 'Failure');
      this.fs.set(path, { type: 'dir', data: Buffer.alloc(0), mode, uid: 0, gid: 0 });
    });
  }
  lstat(path: string) {
    return this.req('lstat', path, () => this.stats(this.node(path)));
  }
  stat(path: string) {
    return this.req('stat', path, () => this.stats(this.node(path)));
  }
  readlink(path: string) {
    return this.req('readlink', path, () => this.node(path).data.toString());
  }
  symlink(target: string, path: string) {
    return this.req('symlink', path, () => {
      this.parentOk(path);
      this.fs.set(path, { type: 'symlink', data: Buffer.from(target), mode: 0o777, uid: 0, gid: 0 });
    });
  }
  lsetstat(path: string, a: object) {
    return this.req('lsetstat', path, () => Object.assign(this.node(path), a));
  }
  setstat(path: string, a: object) {
    return this.req('setstat', path, () => Object.assign(this.node(path), a));
  }
  statvfs(path: string) {
    return this.req('statvfs', path, () => ({
      f_bsize: 4096,
      f_frsize: 4096,
      f_bavail: 0,
      f_favail: 10,
      f_flag: 0,
    }));
  }
  readdir(path: string) {
    return this.req('readdir', path, () =>
      [...this.fs.keys()]
        .filter((k) => k.startsWith(`${path}/`))
        .map((k) => ({ filename: k.slice(path.length + 1), attrs: {} })),
    );
  }
}

const stage = mkdtempSync(join(tmpdir(), 'apply-batch-'));
after(() => rmSync(stage, { recursive: true, force: true }));

function batchOf(build: (add: (c: Change, content?: string) => void) => void): Batch {
  const changes: Change[] = [];
  const staged = new Map<string, string>();
  build((c, content) => {
    if (content !== undefined) {
      const file = join(stage, `${staged.size}-${Math.random()}`);
      writeFileSync(file, content);
      staged.set(c.path, file);
      const hash = createHash('sha256').update(content).digest('hex');
      c = {
        ...c,
        entry: {
          ...(c.entry ?? { path: c.path, type: 'file', mode: 0o644, uid: 0, gid: 0, mtimeMs: 0 }),
          size: content.length,
          hash,
        },
      };
    }
    changes.push(c);
  });
  return { id: 'B1', createdAt: 0, destDir: '/d', changes, staged };
}
const file = (path: string, mode = 0o644): Change => ({
  path,
  op: 'write',
  entry: { path, type: 'file', mode, uid: 7, gid: 8, size: 0, mtimeMs: 1_700_000_000_999 },
});
const dir = (path: string): Change => ({
  path,
  op: 'mkdir',
  entry: { path, type: 'dir', mode: 0o750, uid: 0, gid: 0, size: 0, mtimeMs: 0 },
});

/** Our temp names left in the fake's file system. */
const temps = (fake: FakeSftp) => [...fake.fs.keys()].filter((k) => k.includes('.clsync-hpc.'));

async function run(fake: FakeSftp, batch: Batch, tuning = DEFAULT_APPLY_TUNING, stop?: AbortSignal) {
  const deps = changeDependencies(batch.changes.map((c) => c.path));
  return applyBatch(
    fake as unknown as SftpSession,
    batch,
    new BatchContent(batch),
    deps,
    tuning,
    stop !== undefined ? { stop } : {},
  );
}

describe('applyBatch (fake SFTP)', () => {
  it('writes through a temp name and renames; setuid gets its own chmod after the owner', async () => {
    const fake = new FakeSftp();
    const b = batchOf((add) => {
      add(dir('etc'));
      add(file('etc/a'), 'A');
      add(file('etc/suid', 0o4755), '#!');
    });
    const out = await run(fake, b);
    assert.equal(out.error, undefined);
    assert.equal(fake.fs.get('/d/etc/a')?.data.toString(), 'A');
    assert.deepEqual([fake.fs.get('/d/etc/a')?.uid, fake.fs.get('/d/etc/a')?.mode], [7, 0o644]);
    assert.equal(fake.fs.get('/d/etc/suid')?.mode, 0o4755);
    assert.ok(![...fake.fs.keys()].some((k) => k.includes('.clsync-hpc.')));
    const a = fake.log.filter((l) => l.endsWith('/d/etc/.a.clsync-hpc.B1') || l.endsWith('/d/etc/a'));
    assert.deepEqual(a, [
      'open /d/etc/.a.clsync-hpc.B1',
      'write /d/etc/.a.clsync-hpc.B1',
      'fsync /d/etc/.a.clsync-hpc.B1',
      'fsetstat /d/etc/.a.clsync-hpc.B1',
      'close /d/etc/.a.clsync-hpc.B1',
      'rename /d/etc/a',
    ]);
    const s = fake.log.filter((l) => l.includes('.suid.'));
    assert.deepEqual(s.slice(2, 5), [
      'fsync /d/etc/.suid.clsync-hpc.B1',
      'fsetstat /d/etc/.suid.clsync-hpc.B1',
      'fchmod /d/etc/.suid.clsync-hpc.B1',
    ]);
    assert.ok(
      fake.log.indexOf('mkdir /d/etc') < fake.log.indexOf('open /d/etc/.a.clsync-hpc.B1'),
      'mkdir before the writes inside',
    );
  });

  it('a failed write: no rename, the temp is removed, the old target stays, the error is diagnosed', async () => {
    const fake = new FakeSftp((op, path) =>
      op === 'write' && path.includes('.b.') ? SFTP_STATUS.FAILURE : undefined,
    );
    fake.fs.set('/d', { type: 'dir', data: Buffer.alloc(0), mode: 0o755, uid: 0, gid: 0 });
    fake.fs.set('/d/b', { type: 'file', data: Buffer.from('old'), mode: 0o644, uid: 0, gid: 0 });
    const out = await run(
      fake,
      batchOf((add) => add(file('b'), 'new content')),
    );
    assert.ok(out.error instanceof SftpStatusError);
    assert.equal(out.error.message, 'write /d/b: No space left on device');
    assert.ok(!fake.log.includes('rename /d/b'));
    assert.equal(fake.fs.get('/d/b')?.data.toString(), 'old');
    assert.ok(!fake.fs.has('/d/.b.clsync-hpc.B1'));
    assert.deepEqual(out.leftoverTemps, []);
  });

  it('two passes: a failure while staging leaves every file of the batch as it was (no new passwd without the new shadow)', async () => {
    const fake: FakeSftp = new FakeSftp((op, path) =>
      // late in the batch: passwd and group are long complete under their temp names by then
      op === 'write' &&
      path.includes('.shadow.') &&
      fake.log.filter((l: string) => l.startsWith('write /d/.shadow.')).length === 8
        ? SFTP_STATUS.FAILURE
        : undefined,
    );
    fake.fs.set('/d', { type: 'dir', data: Buffer.alloc(0), mode: 0o755, uid: 0, gid: 0 });
    for (const name of ['passwd', 'group', 'shadow'])
      fake.fs.set(`/d/${name}`, { type: 'file', data: Buffer.from('old'), mode: 0o644, uid: 0, gid: 0 });
    const b = batchOf((add) => {
      add(file('passwd'), 'new passwd');
      add(file('group'), 'new group');
      add({ path: 'link', op: 'symlink', entry: linkEntry('link', 'passwd') });
      add(file('shadow'), 'x'.repeat(40));
    });
    const out = await run(fake, b, { ...DEFAULT_APPLY_TUNING, chunkSize: 4 });
    assert.ok(out.error instanceof SftpStatusError, String(out.error));
    assert.equal(out.error.message, 'write /d/shadow: No space left on device');
    for (const name of ['passwd', 'group', 'shadow'])
      assert.equal(fake.fs.get(`/d/${name}`)?.data.toString(), 'old', name);
    assert.equal(fake.fs.has('/d/link'), false);
    assert.ok(!fake.log.some((l) => l.startsWith('rename ')), fake.log.join('\n'));
    assert.deepEqual(temps(fake), [], 'every temp removed');
    assert.deepEqual(out.leftoverTemps, []);
  });

  it('two passes: every rename is sent after the last temp of the batch is complete, in batch order', async () => {
    const fake = new FakeSftp();
    const b = batchOf((add) => {
      for (let i = 0; i < 20; i++) add(file(`f${String(i).padStart(2, '0')}`), `file ${i}`);
    });
    const out = await run(fake, b, { ...DEFAULT_APPLY_TUNING, changesInFlight: 4 });
    assert.equal(out.error, undefined);
    const lastClose = fake.log.map((l) => l.startsWith('close ')).lastIndexOf(true);
    const renames = fake.log.flatMap((l, i) => (l.startsWith('rename ') ? [[i, l] as const] : []));
    assert.equal(renames.length, 20);
    assert.ok(
      renames.every(([i]) => i > lastClose),
      fake.log.join('\n'),
    );
    assert.deepEqual(
      renames.map(([, l]) => l),
      b.changes.map((c) => `rename /d/${c.path}`),
    );
  });

  it('two passes: a failed rename stops the renames not yet sent, and their temps are removed', async () => {
    const fake = new FakeSftp((op, path) =>
      op === 'rename' && path === '/d/f02' ? SFTP_STATUS.FAILURE : undefined,
    );
    const b = batchOf((add) => {
      for (let i = 0; i < 6; i++) add(file(`f${String(i).padStart(2, '0')}`), `file ${i}`);
    });
    const out = await run(fake, b, { ...DEFAULT_APPLY_TUNING, renamesInFlight: 1 });
    assert.ok(out.error instanceof SftpStatusError, String(out.error));
    assert.deepEqual(
      fake.log.filter((l) => l.startsWith('rename ')),
      ['rename /d/f00', 'rename /d/f01', 'rename /d/f02'],
    );
    assert.deepEqual(
      [...fake.fs.keys()].filter((k) => /^\/d\/f\d\d$/.test(k)),
      ['/d/f00', '/d/f01'],
    );
    assert.deepEqual(temps(fake), [], 'every temp removed');
    assert.deepEqual(out.leftoverTemps, []);
  });

  it('two passes: a meta change on a path the batch also writes applies to the new file', async () => {
    const fake = new FakeSftp();
    const b = batchOf((add) => {
      add(file('a'), 'A');
      add({
        path: 'a',
        op: 'meta',
        entry: { path: 'a', type: 'file', mode: 0o600, uid: 0, gid: 42, size: 1, mtimeMs: 1_234_567_890_000 },
      });
    });
    const out = await run(fake, b);
    assert.equal(out.error, undefined);
    const a = fake.fs.get('/d/a');
    assert.deepEqual([a?.data.toString(), a?.mode, a?.gid], ['A', 0o600, 42]);
    const log = fake.log.filter((l) => / \/d\/a$/.test(l));
    assert.equal(log[0], 'rename /d/a', 'the meta change waits for the rename');
  });

  it('nothing new starts after the first failure; dependants never run', async () => {
    const fake = new FakeSftp((op, path) =>
      op === 'mkdir' && path === '/d/x' ? SFTP_STATUS.PERMISSION_DENIED : undefined,
    );
    const b = batchOf((add) => {
      add(dir('x'));
      add(file('x/in'), 'in');
    });
    const out = await run(fake, b);
    assert.ok(out.error instanceof SftpStatusError);
    assert.equal(out.error.status, SFTP_STATUS.PERMISSION_DENIED);
    assert.ok(!fake.log.some((l) => l.includes('/d/x/')), fake.log.join('\n'));
  });

  it('a leftover temp under the same name is cleared, then created fresh (O_EXCL)', async () => {
    const fake = new FakeSftp();
    fake.fs.set('/d', { type: 'dir', data: Buffer.alloc(0), mode: 0o755, uid: 0, gid: 0 });
    fake.fs.set('/d/.c.clsync-hpc.B1', {
      type: 'symlink',
      data: Buffer.from('/etc/shadow'),
      mode: 0o777,
      uid: 0,
      gid: 0,
    });
    const out = await run(
      fake,
      batchOf((add) => add(file('c'), 'C')),
    );
    assert.equal(out.error, undefined);
    assert.equal(fake.fs.get('/d/c')?.type, 'file');
    assert.equal(fake.fs.get('/d/c')?.data.toString(), 'C');
  });

  it('deletes: children before parents, a non-empty directory is kept, absent is fine', async () => {
    const fake = new FakeSftp();
    for (const p of ['/d', '/d/old', '/d/keep'])
      fake.fs.set(p, { type: 'dir', data: Buffer.alloc(0), mode: 0o755, uid: 0, gid: 0 });
    fake.fs.set('/d/old/f', { type: 'file', data: Buffer.alloc(0), mode: 0o644, uid: 0, gid: 0 });
    fake.fs.set('/d/keep/local', { type: 'file', data: Buffer.alloc(0), mode: 0o644, uid: 0, gid: 0 });
    const b = batchOf((add) => {
      add({ path: 'old/f', op: 'delete', previousType: 'file' });
      add({ path: 'old', op: 'delete', previousType: 'dir' });
      add({ path: 'keep', op: 'delete', previousType: 'dir' });
      add({ path: 'ghost', op: 'delete', previousType: 'file' });
    });
    const out = await run(fake, b);
    assert.equal(out.error, undefined);
    assert.deepEqual(out.keptDirs, ['keep']);
    assert.ok(!fake.fs.has('/d/old'));
    assert.ok(fake.fs.has('/d/keep/local'));
    assert.ok(fake.log.indexOf('unlink /d/old/f') < fake.log.indexOf('rmdir /d/old'));
  });

  it('a staged copy with the wrong hash is never sent (validation)', async () => {
    const fake = new FakeSftp();
    const b = batchOf((add) => add(file('v'), 'right'));
    writeFileSync(b.staged.get('v') ?? '', 'wrong');
    const out = await run(fake, b);
    assert.match(String(out.error), /v: staged copy has sha256 \w+, the batch expects \w+/);
    assert.ok(!fake.log.some((l) => l.startsWith('open')));
  });

  describe('quickCheck (first contact)', () => {
    const T = 1_700_000_000; // file()'s mtime in whole seconds
    const link = (path: string, target: string): Change => ({
      path,
      op: 'symlink',
      entry: { path, type: 'symlink', mode: 0o777, uid: 7, gid: 8, size: 0, mtimeMs: 0, target },
    });
    /** A node that already has /d/etc (0750 root), /d/etc/a ("A", 0644 7:8, mtime T) and /d/etc/l → a. */
    const inSync = (): FakeSftp => {
      const fake = new FakeSftp();
      fake.fs.set('/d', { type: 'dir', data: Buffer.alloc(0), mode: 0o755, uid: 0, gid: 0 });
      fake.fs.set('/d/etc', { type: 'dir', data: Buffer.alloc(0), mode: 0o750, uid: 0, gid: 0 });
      fake.fs.set('/d/etc/a', {
        type: 'file',
        data: Buffer.from('A'),
        mode: 0o644,
        uid: 7,
        gid: 8,
        mtime: T,
      });
      fake.fs.set('/d/etc/l', { type: 'symlink', data: Buffer.from('a'), mode: 0o777, uid: 7, gid: 8 });
      return fake;
    };
    const wanted = (quickCheck: boolean, a = file('etc/a'), l = link('etc/l', 'a')): Batch => {
      const b = batchOf((add) => {
        add(dir('etc'));
        add(a, 'A');
        add(l);
      });
      return quickCheck ? { ...b, quickCheck } : b;
    };
    const changing = (log: readonly string[]) =>
      log.filter(
        (l) => /^(open|write|fsetstat|rename|symlink|mkdir|setstat|lsetstat) /.test(l) && !l.endsWith(' /d'),
      );

    it('what the node already has is looked at and left alone: no write, rename or setstat', async () => {
      const fake = inSync();
      const out = await run(fake, wanted(true));
      assert.equal(out.error, undefined);
      assert.equal(out.inPlace, 3);
      assert.deepEqual(changing(fake.log), []);
      assert.deepEqual(fake.log.filter((l) => /^(lstat|readlink) \/d\/etc/.test(l)).sort(), [
        'lstat /d/etc',
        'lstat /d/etc/a',
        'lstat /d/etc/l',
        'readlink /d/etc/l',
      ]);
    });

    it('without quickCheck (a host the ledger knows, or --ignore-times) everything is sent', async () => {
      const fake = inSync();
      const out = await run(fake, wanted(false));
      assert.equal(out.inPlace, 0);
      assert.ok(fake.log.includes('rename /d/etc/a'));
      assert.ok(fake.log.includes('rename /d/etc/l'));
      assert.ok(!fake.log.some((l) => l === 'lstat /d/etc/a'));
    });

    const differences: [string, (fake: FakeSftp) => void, string][] = [
      [
        'another size',
        (f) => void ((f.fs.get('/d/etc/a') as Node).data = Buffer.from('AB')),
        'rename /d/etc/a',
      ],
      ['another mtime', (f) => void ((f.fs.get('/d/etc/a') as Node).mtime = T + 1), 'rename /d/etc/a'],
      ['another mode', (f) => void ((f.fs.get('/d/etc/a') as Node).mode = 0o600), 'rename /d/etc/a'],
      ['another owner', (f) => void ((f.fs.get('/d/etc/a') as Node).uid = 0), 'rename /d/etc/a'],
      ['another group', (f) => void ((f.fs.get('/d/etc/a') as Node).gid = 0), 'rename /d/etc/a'],
      [
        'a symlink where the file goes',
        (f) => f.fs.set('/d/etc/a', { type: 'symlink', data: Buffer.from('A'), mode: 0o777, uid: 7, gid: 8 }),
        'rename /d/etc/a',
      ],
      [
        'another symlink target',
        (f) => void ((f.fs.get('/d/etc/l') as Node).data = Buffer.from('b')),
        'rename /d/etc/l',
      ],
      [
        'a symlink owned by another user',
        (f) => void ((f.fs.get('/d/etc/l') as Node).uid = 0),
        'rename /d/etc/l',
      ],
      [
        'a file where the symlink goes',
        (f) => f.fs.set('/d/etc/l', { type: 'file', data: Buffer.from('a'), mode: 0o777, uid: 7, gid: 8 }),
        'rename /d/etc/l',
      ],
      ['a directory mode', (f) => void ((f.fs.get('/d/etc') as Node).mode = 0o755), 'setstat /d/etc'],
      ['nothing there yet', (f) => f.fs.delete('/d/etc/a'), 'rename /d/etc/a'],
    ];
    for (const [what, change, expected] of differences) {
      it(`${what}: that change is applied, the rest left alone`, async () => {
        const fake = inSync();
        change(fake);
        const out = await run(fake, wanted(true));
        assert.equal(out.error, undefined);
        assert.equal(out.inPlace, 2);
        assert.ok(fake.log.includes(expected), `${expected} in ${fake.log.join(', ')}`);
        assert.equal(fake.fs.get('/d/etc/a')?.data.toString(), 'A');
        assert.equal(fake.fs.get('/d/etc/l')?.data.toString(), 'a');
      });
    }

    it('an lstat that fails for another reason than "no such file" falls back to sending', async () => {
      const fake = new FakeSftp((op, path) =>
        op === 'lstat' && path === '/d/etc/a' ? SFTP_STATUS.PERMISSION_DENIED : undefined,
      );
      const out = await run(fake, wanted(true));
      assert.equal(out.error, undefined);
      assert.ok(fake.log.includes('rename /d/etc/a'));
    });
  });

  describe('stop (SIGINT/SIGTERM)', () => {
    it('no new change starts; a file being sent stops after its writes in flight and its temp is removed', async () => {
      const stop = new AbortController();
      const fake = new FakeSftp((op, path) => {
        // the third chunk of "big" is on its way: stop now
        if (
          op === 'write' &&
          path.includes('.big.') &&
          fake.log.filter((l) => l.startsWith('write /d/.big.')).length === 3
        )
          stop.abort();
        return undefined;
      });
      const b = batchOf((add) => {
        add(file('big'), 'x'.repeat(40));
        for (let i = 0; i < 30; i++) add(file(`f${String(i).padStart(2, '0')}`), `file ${i}`);
      });
      const out = await run(
        fake,
        b,
        { ...DEFAULT_APPLY_TUNING, changesInFlight: 4, chunkSize: 4 },
        stop.signal,
      );
      assert.ok(out.error instanceof HostAbortedError, String(out.error));
      assert.deepEqual(temps(fake), [], 'every temp removed');
      assert.deepEqual(out.leftoverTemps, []);
      assert.equal(fake.fs.has('/d/big'), false, 'never renamed into place');
      assert.ok(
        fake.log.filter((l) => l.startsWith('write /d/.big.')).length < 10,
        'the rest of big was not sent',
      );
      const installed = [...fake.fs.keys()].filter((k) => /^\/d\/f\d\d$/.test(k));
      assert.deepEqual(installed, [], 'stopped before the renames: no file of the batch is installed');
      assert.ok(
        fake.log.filter((l) => l.startsWith('open /d/.f')).length < 30,
        'new changes kept starting after the stop',
      );
    });

    it('a stop before the push: nothing is sent', async () => {
      const stop = new AbortController();
      stop.abort();
      const fake = new FakeSftp();
      const out = await run(
        fake,
        batchOf((add) => add(file('a'), 'A')),
        DEFAULT_APPLY_TUNING,
        stop.signal,
      );
      assert.ok(out.error instanceof HostAbortedError);
      assert.ok(!fake.log.some((l) => l.startsWith('open')));
    });
  });

  it('with a job tempTag, a temp that a killed run left under that name is cleared, then the file installed', async () => {
    const fake = new FakeSftp();
    fake.fs.set('/d', { type: 'dir', data: Buffer.alloc(0), mode: 0o755, uid: 0, gid: 0 });
    fake.fs.set('/d/.a.clsync-hpc.job1', {
      type: 'file',
      data: Buffer.from('half'),
      mode: 0o600,
      uid: 0,
      gid: 0,
    });
    const b = batchOf((add) => add(file('a'), 'A'));
    const deps = changeDependencies(b.changes.map((c) => c.path));
    const out = await applyBatch(
      fake as unknown as SftpSession,
      b,
      new BatchContent(b),
      deps,
      DEFAULT_APPLY_TUNING,
      { tempTag: 'job1' },
    );
    assert.equal(out.error, undefined);
    assert.equal(fake.fs.get('/d/a')?.data.toString(), 'A');
    assert.deepEqual(
      [...fake.fs.keys()].filter((k) => k.includes('clsync-hpc')),
      [],
    );
    assert.deepEqual(fake.log.filter((l) => l.includes('.a.clsync-hpc.')).slice(0, 3), [
      'open /d/.a.clsync-hpc.job1',
      'unlink /d/.a.clsync-hpc.job1',
      'open /d/.a.clsync-hpc.job1',
    ]);
  });
});
