// The local transport runs the real apply.sh against <root>/<host>: this is where the contract of
// apply.sh (docs/transport-contract.md) is tested, fast and without ssh, under dash and bash.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  readlinkSync,
  closeSync,
  writeFileSync,
  symlinkSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BatchBuilder } from '../../../test/fixtures/pdcp/batch-builder.js';
import { HOSTILE_NAMES } from '../../../test/fixtures/pdcp/hostile-names.js';
import type { Batch, HostResult } from '../../types.js';
import { createLocalTransport } from './local-transport.js';

const isRoot = process.getuid?.() === 0;
const rootOnly = isRoot ? false : 'needs root (chown, mounts)';
let work: string;
let batches = 0;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'clsync-local-test-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A fresh root with hosts, and a builder for batches to /etc. */
function setup(dest = '/etc') {
  const n = ++batches;
  const root = join(work, `root${n}`);
  mkdirSync(root);
  return {
    root,
    on: (host: string, path: string) => join(root, host, dest, path),
    batch: () =>
      new BatchBuilder(join(work, 'staged'), `b${n}-${Math.random().toString(36).slice(2, 8)}`, dest),
  };
}

async function push(
  root: string,
  batch: Batch,
  hosts: readonly string[],
  shell = 'sh',
  signal?: AbortSignal,
): Promise<HostResult[]> {
  return createLocalTransport({ root, shell }).push(batch, hosts, {
    fanout: 4,
    ...(signal ? { signal } : {}),
  });
}

function stat(path: string) {
  const st = lstatSync(path);
  return {
    mode: (st.mode & 0o7777).toString(8),
    owner: `${st.uid}:${st.gid}`,
    mtimeMs: st.mtimeMs,
    ino: st.ino,
  };
}

/** Our temp names anywhere under dir. */
function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (name.includes('clsync-hpc')) found.push(p);
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return found;
}

for (const shell of ['dash', 'bash']) {
  describe(`apply.sh under ${shell}`, { skip: rootOnly }, () => {
    test('files, dirs and symlinks land with owner, group, mode (setuid too), mtime; hostile names byte for byte', async () => {
      const { root, on, batch } = setup();
      const b = batch()
        .mkdir('ssh', { mode: 0o750, uid: 0, gid: 42 })
        .mkdir('sgid.d', { mode: 0o2775, uid: 1000, gid: 1000 })
        .write('shadow', {
          content: 'root:*:1:0:99999:7:::\n',
          mode: 0o640,
          uid: 0,
          gid: 42,
          mtimeMs: 1_600_000_000_456,
        })
        .write('suid-tool', { content: '#!/bin/sh\n', mode: 0o4755, uid: 1234, gid: 1234 })
        .write('ssh/sshd_config', { content: 'PermitRootLogin no\n', mode: 0o600 })
        .symlink('localtime', '/usr/share/zoneinfo/Etc/UTC')
        .symlink('dangling', 'does/not/exist', { uid: 5, gid: 6 });
      for (const [i, name] of HOSTILE_NAMES.entries())
        b.write(`ssh/${name}`, { content: `#${i}\n` }).symlink(`ssh/link ${i}`, name);
      const results = await push(root, await b.build(), ['n1', 'n2'], shell);
      assert.deepEqual(
        results.map((r) => [r.host, r.ok, r.error]),
        [
          ['n1', true, undefined],
          ['n2', true, undefined],
        ],
      );
      for (const host of ['n1', 'n2']) {
        assert.deepEqual(stat(on(host, 'shadow')).mode, '640');
        assert.deepEqual(stat(on(host, 'shadow')).owner, '0:42');
        assert.equal(stat(on(host, 'shadow')).mtimeMs, 1_600_000_000_456);
        assert.equal(readFileSync(on(host, 'shadow'), 'utf8'), 'root:*:1:0:99999:7:::\n');
        assert.deepEqual(
          [stat(on(host, 'suid-tool')).mode, stat(on(host, 'suid-tool')).owner],
          ['4755', '1234:1234'],
        );
        assert.deepEqual([stat(on(host, 'ssh')).mode, stat(on(host, 'ssh')).owner], ['750', '0:42']);
        assert.deepEqual(
          [stat(on(host, 'sgid.d')).mode, stat(on(host, 'sgid.d')).owner],
          ['2775', '1000:1000'],
        );
        assert.equal(stat(on(host, 'ssh/sshd_config')).mode, '600');
        assert.equal(readlinkSync(on(host, 'localtime')), '/usr/share/zoneinfo/Etc/UTC');
        assert.equal(readlinkSync(on(host, 'dangling')), 'does/not/exist');
        assert.equal(stat(on(host, 'dangling')).owner, '5:6');
        for (const [i, name] of HOSTILE_NAMES.entries()) {
          assert.equal(readFileSync(on(host, `ssh/${name}`), 'utf8'), `#${i}\n`, JSON.stringify(name));
          assert.equal(readlinkSync(on(host, `ssh/link ${i}`)), name);
        }
        assert.deepEqual(readdirSync(on(host, 'ssh')).length, 1 + 2 * HOSTILE_NAMES.length);
        assert.deepEqual(leftovers(join(root, host)), []);
      }
      assert.deepEqual(readdirSync(root).sort(), ['n1', 'n2'], 'nothing ran a name: no pwned file anywhere');
    });

    test('replacing a file renames a new inode over it: a reader keeps the old bytes, no mix; no temp left', async () => {
      const { root, on, batch } = setup();
      const old = 'old\n'.repeat(50_000);
      await push(root, await batch().write('big.conf', { content: old }).build(), ['n1'], shell);
      const before = stat(on('n1', 'big.conf'));
      const fd = openSync(on('n1', 'big.conf'), 'r');
      try {
        const fresh = 'new\n'.repeat(60_000);
        const [r] = await push(
          root,
          await batch().write('big.conf', { content: fresh }).build(),
          ['n1'],
          shell,
        );
        assert.equal(r?.ok, true);
        assert.notEqual(stat(on('n1', 'big.conf')).ino, before.ino);
        assert.equal(readFileSync(on('n1', 'big.conf'), 'utf8'), fresh);
        const buf = Buffer.alloc(old.length + 10);
        assert.equal(readSync(fd, buf, 0, buf.length, 0), old.length);
        assert.equal(buf.subarray(0, old.length).toString(), old);
      } finally {
        closeSync(fd);
      }
      assert.deepEqual(leftovers(join(root, 'n1')), []);
    });

    test('delete: file, symlink and empty dir go; a non-empty dir stays and is not a failure; a missing path is fine', async () => {
      const { root, on, batch } = setup();
      await push(
        root,
        await batch()
          .mkdir('empty.d')
          .mkdir('full.d')
          .write('full.d/keep', { content: 'k' })
          .write('f', { content: 'f' })
          .symlink('l', 'f')
          .build(),
        ['n1'],
        shell,
      );
      writeFileSync(on('n1', 'full.d/node-local'), 'x');
      const [r] = await push(
        root,
        await batch()
          .delete('full.d/keep', 'file')
          .delete('empty.d', 'dir')
          .delete('full.d', 'dir')
          .delete('f', 'file')
          .delete('l', 'symlink')
          .delete('never-there')
          .build(),
        ['n1'],
        shell,
      );
      assert.equal(r?.ok, true, JSON.stringify(r?.error));
      assert.deepEqual(readdirSync(join(root, 'n1', 'etc')), ['full.d']);
      assert.deepEqual(readdirSync(on('n1', 'full.d')), ['node-local']);
    });

    test('meta: owner, mode and mtime change in place (same inode, same content); symlinks get lchown', async () => {
      const { root, on, batch } = setup();
      await push(
        root,
        await batch()
          .write('passwd', { content: 'p\n', mode: 0o644 })
          .mkdir('d', { mode: 0o755 })
          .symlink('l', 'passwd')
          .build(),
        ['n1'],
        shell,
      );
      const ino = stat(on('n1', 'passwd')).ino;
      const [r] = await push(
        root,
        await batch()
          .meta('passwd', {
            type: 'file',
            mode: 0o4750,
            uid: 10,
            gid: 20,
            size: 2,
            mtimeMs: 1_500_000_000_789,
          })
          .meta('d', { type: 'dir', mode: 0o700, uid: 3, gid: 4, size: 0, mtimeMs: 0 })
          .meta('l', { type: 'symlink', mode: 0o777, uid: 7, gid: 8, size: 0, mtimeMs: 0, target: 'passwd' })
          .build(),
        ['n1'],
        shell,
      );
      assert.equal(r?.ok, true, JSON.stringify(r?.error));
      assert.deepEqual(stat(on('n1', 'passwd')), {
        mode: '4750',
        owner: '10:20',
        mtimeMs: 1_500_000_000_789,
        ino,
      });
      assert.deepEqual([stat(on('n1', 'd')).mode, stat(on('n1', 'd')).owner], ['700', '3:4']);
      assert.equal(stat(on('n1', 'l')).owner, '7:8');
      assert.equal(stat(on('n1', 'passwd')).owner, '10:20', 'lchown did not follow the link');
      assert.equal(readFileSync(on('n1', 'passwd'), 'utf8'), 'p\n');
    });

    test('type changes: file→dir, dir→file, file→symlink, symlink→file, a symlink to a dir is replaced, not followed', async () => {
      const { root, on, batch } = setup();
      await push(
        root,
        await batch()
          .write('a', { content: 'a' })
          .mkdir('b')
          .write('c', { content: 'c' })
          .symlink('d', 'c')
          .mkdir('real')
          .symlink('e', 'real')
          .build(),
        ['n1'],
        shell,
      );
      const [r] = await push(
        root,
        await batch()
          .delete('a', 'file')
          .delete('b', 'dir')
          .mkdir('a', { mode: 0o711 })
          .write('a/inside', { content: 'in' })
          .write('b', { content: 'now a file' })
          .symlink('c', 'b')
          .write('d', { content: 'was a link' })
          .write('e', { content: 'was a link to a dir' })
          .build(),
        ['n1'],
        shell,
      );
      assert.equal(r?.ok, true, JSON.stringify(r?.error));
      assert.equal(stat(on('n1', 'a')).mode, '711');
      assert.equal(readFileSync(on('n1', 'a/inside'), 'utf8'), 'in');
      assert.equal(readFileSync(on('n1', 'b'), 'utf8'), 'now a file');
      assert.equal(readlinkSync(on('n1', 'c')), 'b');
      assert.ok(lstatSync(on('n1', 'd')).isFile());
      assert.ok(lstatSync(on('n1', 'e')).isFile());
      assert.deepEqual(readdirSync(on('n1', 'real')), [], 'nothing was written through the old link');
    });

    test('mkdir over a file or a symlink replaces it; on an existing dir it fixes owner and mode (setgid cleared too)', async () => {
      const { root, on, batch } = setup();
      await push(
        root,
        await batch().write('x', { content: 'x' }).symlink('y', '/tmp').mkdir('z', { mode: 0o2775 }).build(),
        ['n1'],
        shell,
      );
      const [r] = await push(
        root,
        await batch()
          .mkdir('x', { mode: 0o700 })
          .mkdir('y')
          .mkdir('z', { mode: 0o755, uid: 9, gid: 9 })
          .build(),
        ['n1'],
        shell,
      );
      assert.equal(r?.ok, true, JSON.stringify(r?.error));
      assert.ok(lstatSync(on('n1', 'x')).isDirectory());
      assert.ok(lstatSync(on('n1', 'y')).isDirectory() && !lstatSync(on('n1', 'y')).isSymbolicLink());
      assert.deepEqual([stat(on('n1', 'z')).mode, stat(on('n1', 'z')).owner], ['755', '9:9']);
    });

    test('missing parents are created (0755) as a fallback; the destination root too', async () => {
      const { root, on, batch } = setup('/srv/deep/dest');
      const [r] = await push(
        root,
        await batch().write('a/b/c.conf', { content: 'c' }).build(),
        ['n1'],
        shell,
      );
      assert.equal(r?.ok, true, JSON.stringify(r?.error));
      assert.equal(readFileSync(on('n1', 'a/b/c.conf'), 'utf8'), 'c');
      assert.equal(stat(on('n1', 'a/b')).mode, '755');
      assert.equal(stat(join(root, 'n1', 'srv/deep')).mode, '755');
    });

    test('destination "/" lands at <root>/<host>/<path>', async () => {
      const { root, batch } = setup('/');
      const [r] = await push(
        root,
        await batch().mkdir('etc').write('etc/top.conf', { content: 't' }).build(),
        ['n1'],
        shell,
      );
      assert.equal(r?.ok, true, JSON.stringify(r?.error));
      assert.equal(readFileSync(join(root, 'n1', 'etc/top.conf'), 'utf8'), 't');
      assert.deepEqual(leftovers(join(root, 'n1')), []);
    });

    test('a 255-byte name still gets a temp name within NAME_MAX', async () => {
      const { root, on, batch } = setup();
      const long = 'x'.repeat(255);
      const [r] = await push(root, await batch().write(long, { content: 'long' }).build(), ['n1'], shell);
      assert.equal(r?.ok, true, JSON.stringify(r?.error));
      assert.equal(readFileSync(on('n1', long), 'utf8'), 'long');
      assert.deepEqual(leftovers(join(root, 'n1')), []);
    });
  });
}

describe(
  "failures: the host fails with the node's words, no temp file stays, old files are intact",
  { skip: rootOnly },
  () => {
    test('a directory where a file goes: remote-io "Is a directory"; earlier writes of the batch are not installed either', async () => {
      const { root, on, batch } = setup();
      await push(
        root,
        await batch()
          .write('first', { content: 'old first' })
          .mkdir('target')
          .write('target/x', { content: 'x' })
          .build(),
        ['n1', 'n2'],
      );
      const [r1, r2] = await push(
        root,
        await batch()
          .write('first', { content: 'new first' })
          .write('target', { content: 'cannot' })
          .write('third', { content: 'third' })
          .build(),
        ['n1', 'n2'],
      );
      assert.deepEqual(r1?.error, { class: 'remote-io', message: '/etc/target: Is a directory' });
      assert.equal(r2?.ok, false);
      // all temps are written first and renamed at the end: nothing of the failed batch landed
      assert.equal(readFileSync(on('n1', 'first'), 'utf8'), 'old first');
      assert.equal(existsSync(on('n1', 'third')), false);
      assert.deepEqual(leftovers(join(root, 'n1')), []);
    });

    test('content that does not match its sha256: validation, nothing changed', async () => {
      const { root, on, batch } = setup();
      await push(root, await batch().write('a', { content: 'old' }).build(), ['n1']);
      const [r] = await push(root, await batch().write('a', { content: 'new' }).corrupt('a').build(), ['n1']);
      assert.equal(r?.error?.class, 'validation');
      assert.match(r?.error?.message ?? '', /^\/etc\/a: content check failed on the node: 0: FAILED/);
      assert.equal(readFileSync(on('n1', 'a'), 'utf8'), 'old');
    });

    test('full disk (a tiny tmpfs): remote-io "No space left on device", old file intact, no temp', async (t) => {
      const { root, on, batch } = setup();
      await push(root, await batch().write('app.conf', { content: 'old app\n' }).build(), ['n1']);
      const etc = join(root, 'n1', 'etc');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'clsync-test', etc]);
      t.after(() => execFileSync('umount', [etc]));
      const [r0] = await push(root, await batch().write('app.conf', { content: 'old app\n' }).build(), [
        'n1',
      ]);
      assert.equal(r0?.ok, true);
      const [r] = await push(
        root,
        await batch()
          .write('small', { content: 'fits' })
          .write('app.conf', { content: 'x'.repeat(200_000) })
          .build(),
        ['n1'],
      );
      assert.equal(r?.error?.class, 'remote-io');
      assert.match(r?.error?.message ?? '', /^\/etc\/app\.conf: cp: .*No space left on device$/);
      assert.equal(readFileSync(on('n1', 'app.conf'), 'utf8'), 'old app\n');
      assert.equal(existsSync(on('n1', 'small')), false);
      assert.deepEqual(leftovers(etc), []);
    });

    test('read-only filesystem: remote-io "Read-only file system"', async (t) => {
      const { root, on, batch } = setup();
      await push(root, await batch().mkdir('ro').write('ro/a', { content: 'old' }).build(), ['n1']);
      const dir = on('n1', 'ro');
      execFileSync('mount', ['--bind', dir, dir]);
      execFileSync('mount', ['-o', 'remount,bind,ro', dir]);
      t.after(() => execFileSync('umount', [dir]));
      const [r] = await push(root, await batch().write('ro/a', { content: 'new' }).build(), ['n1']);
      assert.equal(r?.error?.class, 'remote-io');
      assert.match(r?.error?.message ?? '', /^\/etc\/ro\/a: cp: .*Read-only file system$/);
      assert.equal(readFileSync(on('n1', 'ro/a'), 'utf8'), 'old');
    });
  },
);

describe('hosts', () => {
  test('one result per host, in order; a bad host name fails alone; duplicates count once', async () => {
    const { root, batch } = setup();
    const results = await push(
      root,
      await batch()
        .write('a', { content: 'a', uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 })
        .build(),
      ['n1', '../evil', 'n2', 'n1'],
    );
    assert.deepEqual(
      results.map((r) => [r.host, r.ok, r.error?.code]),
      [
        ['n1', true, undefined],
        ['../evil', false, 'invalid-host-name'],
        ['n2', true, undefined],
      ],
    );
  });

  test('an aborted push fails every host with code "aborted"', async () => {
    const { root, batch } = setup();
    const controller = new AbortController();
    controller.abort();
    const results = await push(
      root,
      await batch().delete('x').build(),
      ['n1', 'n2'],
      'sh',
      controller.signal,
    );
    assert.deepEqual(
      results.map((r) => r.error?.code),
      ['aborted', 'aborted'],
    );
  });

  test(
    'symlink in the host root is not followed out of it (destination paths are taken literally)',
    { skip: rootOnly },
    async () => {
      const { root, on, batch } = setup();
      const outside = join(work, `outside-${batches}`);
      mkdirSync(outside);
      mkdirSync(join(root, 'n1', 'etc'), { recursive: true });
      symlinkSync(outside, on('n1', 'sub'));
      const [r] = await push(root, await batch().mkdir('sub').write('sub/f', { content: 'f' }).build(), [
        'n1',
      ]);
      assert.equal(r?.ok, true, JSON.stringify(r?.error));
      assert.ok(lstatSync(on('n1', 'sub')).isDirectory() && !lstatSync(on('n1', 'sub')).isSymbolicLink());
      assert.deepEqual(readdirSync(outside), []);
    },
  );
});
