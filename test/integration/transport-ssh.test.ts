// The ssh transport against real sshd nodes (lab slots 20–29): semantics of every op, hostile
// names, atomic replace, each fault on one node, host key and auth policy, kept connections.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSshTransport, type SshTransportOptions } from '../../src/transport/ssh/ssh-transport.js';
import type { Batch, Change, ConnectionSettings, EntryType, HostResult, TreeEntry } from '../../src/types.js';
import { labUnavailableReason, startLab, type Lab } from '../helpers/lab.js';
import { generateKeyPair } from '../helpers/ssh-keys.js';

const SLOT = 20;
const skip = labUnavailableReason();

/** Builds a Batch by hand: stages content in a tmp dir, as stage/ would. */
class BatchBuilder {
  readonly changes: Change[] = [];
  readonly staged = new Map<string, string>();
  constructor(
    private readonly stageDir: string,
    readonly destDir: string,
  ) {}

  write(path: string, data: string | Buffer, meta: Partial<TreeEntry> = {}): this {
    const buf = Buffer.from(data);
    const file = join(this.stageDir, `${this.staged.size}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, buf);
    this.staged.set(path, file);
    const hash = createHash('sha256').update(buf).digest('hex');
    return this.add(path, 'write', {
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: buf.length,
      mtimeMs: 1_600_000_000_000,
      hash,
      ...meta,
    });
  }
  mkdir(path: string, meta: Partial<TreeEntry> = {}): this {
    return this.add(path, 'mkdir', {
      type: 'dir',
      mode: 0o755,
      uid: 0,
      gid: 0,
      size: 0,
      mtimeMs: 0,
      ...meta,
    });
  }
  symlink(path: string, target: string, meta: Partial<TreeEntry> = {}): this {
    return this.add(path, 'symlink', {
      type: 'symlink',
      mode: 0o777,
      uid: 0,
      gid: 0,
      size: 0,
      mtimeMs: 0,
      target,
      ...meta,
    });
  }
  meta(path: string, entry: Partial<TreeEntry> & { type: EntryType }): this {
    return this.add(path, 'meta', { mode: 0o644, uid: 0, gid: 0, size: 0, mtimeMs: 0, ...entry });
  }
  delete(path: string, previousType?: EntryType): this {
    this.changes.push({ path, op: 'delete', ...(previousType !== undefined ? { previousType } : {}) });
    return this;
  }
  build(id = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`): Batch {
    return {
      id,
      createdAt: Date.now(),
      destDir: this.destDir,
      changes: [...this.changes],
      staged: new Map(this.staged),
    };
  }
  private add(path: string, op: Change['op'], entry: Omit<TreeEntry, 'path'>): this {
    this.changes.push({ path, op, entry: { path, ...entry } });
    return this;
  }
}

describe('ssh transport (lab)', { skip, timeout: 600_000 }, () => {
  let lab: Lab;
  let work: string;
  let env: NonNullable<SshTransportOptions['environment']>;
  let dest = 0;

  before(() => {
    lab = startLab(3, SLOT);
    work = mkdtempSync(join(tmpdir(), 'clsync-ssh-it-'));
    env = { home: join(work, 'home'), localUser: 'root', agentSocket: undefined };
  });
  after(() => {
    lab?.down();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  const settings = (over: Partial<ConnectionSettings> = {}): ConnectionSettings => ({
    sshConfigFile: lab.sshConfig,
    identityFiles: [],
    acceptNewHostKeys: false,
    user: 'root',
    connectTimeoutMs: 3000,
    operationTimeoutMs: 60_000,
    ...over,
  });
  const transport = (over: Partial<ConnectionSettings> = {}, options: SshTransportOptions = {}) =>
    createSshTransport(settings(over), { environment: env, ...options });
  /** A fresh destination per test, below /etc (exists on the nodes, empty in their upper dirs). */
  const builder = (): BatchBuilder =>
    new BatchBuilder(mkdtempSync(join(work, 'stage-')), `/etc/clsync-it/${++dest}`);
  const byHost = (results: HostResult[]) => new Map(results.map((r) => [r.host, r]));
  const upper = (node: string, path: string) => lab.path(node, path);
  const temps = (node: string, dir: string) =>
    readdirSync(upper(node, dir)).filter((n) => n.includes('.clsync-hpc.'));

  it('delivers hostile names verbatim with owner, group, mode, mtime; symlinks stay symlinks', async () => {
    const names = [
      'with space.conf',
      `quote'd "double".conf`,
      '$(touch pwned).conf',
      '`touch pwned2`.conf',
      '-n leading-dash',
      'ünïcödé-日本.conf',
      'new\nline.conf',
      'semi;colon&|pipe>redir<*?.conf',
    ];
    const b = builder().mkdir('sub', { mode: 0o2750, gid: 42 });
    for (const n of names) b.write(`sub/${n}`, `content of ${n}\n`);
    b.write('shadow-like', 'secret\n', { mode: 0o640, gid: 42, mtimeMs: 1_500_000_000_123 });
    b.write('suid-tool', '#!/bin/sh\n', { mode: 0o4755, uid: 0, gid: 0 });
    b.write('empty', '');
    const big = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31) % 256)); // streamed, not cached
    b.write('big.bin', big);
    b.symlink('link $(x)', '../target `y` $(z)');
    b.write('deep/er/path $(touch pwned3)', 'fallback mkdir -p\n');
    const batch = b.build();
    const t = transport();
    try {
      const results = await t.push(batch, lab.nodes, { fanout: 8 });
      for (const r of results) assert.equal(r.ok, true, `${r.host}: ${r.error?.message}`);
    } finally {
      await t.close();
    }
    for (const node of lab.nodes) {
      for (const n of names) {
        assert.equal(
          readFileSync(upper(node, `${batch.destDir}/sub/${n}`), 'utf8'),
          `content of ${n}\n`,
          JSON.stringify(n),
        );
      }
      const sub = lstatSync(upper(node, `${batch.destDir}/sub`));
      assert.ok(sub.isDirectory());
      assert.equal(sub.mode & 0o7777, 0o2750);
      assert.equal(sub.gid, 42);
      const shadow = lstatSync(upper(node, `${batch.destDir}/shadow-like`));
      assert.equal(shadow.mode & 0o7777, 0o640);
      assert.deepEqual([shadow.uid, shadow.gid], [0, 42]);
      assert.equal(shadow.mtimeMs, 1_500_000_000_000, 'SFTP v3 times are whole seconds');
      assert.equal(
        lstatSync(upper(node, `${batch.destDir}/suid-tool`)).mode & 0o7777,
        0o4755,
        'setuid survives chown',
      );
      assert.equal(lstatSync(upper(node, `${batch.destDir}/empty`)).size, 0);
      assert.ok(readFileSync(upper(node, `${batch.destDir}/big.bin`)).equals(big));
      const link = upper(node, `${batch.destDir}/link $(x)`);
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.equal(readlinkSync(link), '../target `y` $(z)');
      assert.equal(
        readFileSync(upper(node, `${batch.destDir}/deep/er/path $(touch pwned3)`), 'utf8'),
        'fallback mkdir -p\n',
      );
      assert.deepEqual(temps(node, batch.destDir), []);
      for (const p of ['/root/pwned', '/root/pwned2', '/root/pwned3', '/pwned']) {
        assert.ok(!existsSync(upper(node, p)), `${node}: ${p} must not exist`);
      }
    }
  });

  it('replaces atomically (new inode, no temp left) and applies meta and deletes', async () => {
    const b = builder()
      .write('app.conf', 'v1\n')
      .write('gone.conf', 'x')
      .symlink('gone-link', 'x')
      .mkdir('gone-dir')
      .mkdir('kept-dir')
      .mkdir('meta-dir');
    const t = transport();
    try {
      const first = b.build();
      assert.ok((await t.push(first, lab.nodes, { fanout: 8 })).every((r) => r.ok));
      const node = lab.nodes[0] ?? '';
      writeFileSync(upper(node, `${first.destDir}/kept-dir/node-local`), 'mine'); // a node-local file
      const inode1 = lstatSync(upper(node, `${first.destDir}/app.conf`)).ino;

      const b2 = new BatchBuilder(mkdtempSync(join(work, 'stage-')), first.destDir)
        .delete('gone.conf', 'file')
        .delete('gone-link', 'symlink')
        .delete('gone-dir', 'dir')
        .delete('kept-dir', 'dir') // not empty on node01: left in place, not a failure
        .delete('never-was', 'file') // ENOENT is success
        .write('app.conf', 'v2\n')
        .meta('meta-dir', { type: 'dir', mode: 0o700, gid: 42 })
        .meta('app.conf', { type: 'file', mode: 0o600, gid: 42, mtimeMs: 1_234_567_890_000 });
      const notes: string[] = [];
      const t2 = transport({}, { onNote: (n) => notes.push(n) });
      try {
        const results = await t2.push(b2.build(), lab.nodes, { fanout: 8 });
        for (const r of results) assert.equal(r.ok, true, `${r.host}: ${r.error?.message}`);
      } finally {
        await t2.close();
      }
      const inode2 = lstatSync(upper(node, `${first.destDir}/app.conf`)).ino;
      assert.notEqual(inode2, inode1, 'rename over the target, not an in-place write');
      assert.equal(readFileSync(upper(node, `${first.destDir}/app.conf`), 'utf8'), 'v2\n');
      for (const gone of ['gone.conf', 'gone-link', 'gone-dir'])
        assert.ok(!existsSync(upper(node, `${first.destDir}/${gone}`)));
      assert.ok(existsSync(upper(node, `${first.destDir}/kept-dir/node-local`)));
      assert.ok(
        notes.some((n) => n.startsWith(`${node}: `) && n.includes('kept-dir not deleted')),
        notes.join('\n'),
      );
      const other = lab.nodes[1] ?? '';
      assert.ok(
        !existsSync(upper(other, `${first.destDir}/kept-dir`)),
        'empty on the other nodes: deleted there',
      );
      const metaDir = lstatSync(upper(node, `${first.destDir}/meta-dir`));
      assert.deepEqual([metaDir.mode & 0o7777, metaDir.gid], [0o700, 42]);
      const app = lstatSync(upper(node, `${first.destDir}/app.conf`));
      assert.deepEqual([app.mode & 0o7777, app.gid, app.mtimeMs], [0o600, 42, 1_234_567_890_000]);
      assert.deepEqual(temps(node, first.destDir), []);
    } finally {
      await t.close();
    }
  });

  it('a file over a directory fails with "Is a directory"; mkdir replaces a file', async () => {
    const b = builder().mkdir('d').write('f', 'file');
    const t = transport();
    try {
      const first = b.build();
      assert.ok((await t.push(first, lab.nodes, { fanout: 8 })).every((r) => r.ok));
      const b2 = new BatchBuilder(mkdtempSync(join(work, 'stage-')), first.destDir).mkdir('f', {
        mode: 0o711,
      });
      assert.ok((await t.push(b2.build(), lab.nodes, { fanout: 8 })).every((r) => r.ok));
      const node = lab.nodes[0] ?? '';
      assert.ok(lstatSync(upper(node, `${first.destDir}/f`)).isDirectory());
      const b3 = new BatchBuilder(mkdtempSync(join(work, 'stage-')), first.destDir).write('d', 'not a dir');
      const [r] = await t.push(b3.build(), [node], { fanout: 1 });
      assert.equal(r?.ok, false);
      assert.equal(r?.error?.class, 'remote-io');
      assert.match(r?.error?.message ?? '', /^rename \/etc\/clsync-it\/\d+\/d: Is a directory$/);
      assert.deepEqual(temps(node, first.destDir), []);
    } finally {
      await t.close();
    }
  });

  it('a staged copy that does not match its hash is never installed (validation)', async () => {
    const b = builder().write('good', 'good\n').write('bad', 'original\n');
    const batch = b.build();
    writeFileSync(batch.staged.get('bad') ?? '', 'tampered\n');
    const node = lab.nodes[0] ?? '';
    const t = transport();
    try {
      const [r] = await t.push(batch, [node], { fanout: 1 });
      assert.equal(r?.error?.class, 'validation');
      assert.match(r?.error?.message ?? '', /bad: staged copy has sha256 \w+, the batch expects \w+/);
    } finally {
      await t.close();
    }
    assert.ok(!existsSync(upper(node, `${batch.destDir}/bad`)));
    assert.deepEqual(temps(node, batch.destDir), []);
  });

  describe('one failing node at a time', () => {
    const cases: {
      mode: 'sshd' | 'freeze' | 'link' | 'drop' | 'ro' | 'full';
      cls: string;
      message: RegExp;
      connectTimeoutMs?: number;
    }[] = [
      { mode: 'sshd', cls: 'unreachable', message: /Connection refused/ },
      { mode: 'freeze', cls: 'timeout', message: /banner exchange/ },
      { mode: 'link', cls: 'unreachable', message: /No route to host/, connectTimeoutMs: 6000 },
      { mode: 'drop', cls: 'timeout', message: /Connection timed out/ },
      { mode: 'ro', cls: 'remote-io', message: /\/(keep|new)\.conf: Read-only file system$/ },
      { mode: 'full', cls: 'remote-io', message: /\/(keep|new)\.conf: No space left on device$/ },
    ];
    for (const c of cases) {
      it(`${c.mode} → ${c.cls}, the others ok`, async (ctx) => {
        const bad = lab.nodes[1] ?? '';
        const base = builder().write('keep.conf', 'old content\n');
        const t = transport({ connectTimeoutMs: c.connectTimeoutMs ?? 3000 });
        try {
          const first = base.build();
          assert.ok((await t.push(first, lab.nodes, { fanout: 8 })).every((r) => r.ok));
          lab.fail(bad, c.mode);
          try {
            const next = new BatchBuilder(mkdtempSync(join(work, 'stage-')), first.destDir)
              .write('keep.conf', Buffer.alloc(512 * 1024, 'n'))
              .write('new.conf', 'new\n')
              .build();
            const t0 = Date.now();
            const results = byHost(await t.push(next, lab.nodes, { fanout: 8 }));
            const elapsed = Date.now() - t0;
            const r = results.get(bad);
            ctx.diagnostic(`${bad} after ${elapsed} ms: ${JSON.stringify(r?.error)}`);
            assert.equal(r?.ok, false);
            assert.equal(r?.error?.class, c.cls, r?.error?.message);
            assert.match(r?.error?.message ?? '', c.message);
            assert.ok(elapsed < (c.connectTimeoutMs ?? 3000) + 4000, `${c.mode} took ${elapsed} ms`);
            for (const node of lab.nodes.filter((n) => n !== bad))
              assert.equal(results.get(node)?.ok, true, node);
            if (c.mode === 'ro' || c.mode === 'full') {
              assert.equal(
                readFileSync(upper(bad, `${first.destDir}/keep.conf`), 'utf8'),
                'old content\n',
                'old file intact',
              );
              assert.deepEqual(temps(bad, first.destDir), [], 'no temp file left');
            }
          } finally {
            lab.heal(bad);
          }
        } finally {
          await t.close();
        }
      });
    }

    it('the per-host operation timeout and options.signal stop a stuck host, and only it', async () => {
      const bad = lab.nodes[1] ?? '';
      lab.fail(bad, 'freeze');
      try {
        const slow = transport({ connectTimeoutMs: 10_000, operationTimeoutMs: 1500 });
        try {
          const t0 = Date.now();
          const results = byHost(
            await slow.push(builder().write('a', '1').build(), lab.nodes, { fanout: 8 }),
          );
          assert.equal(results.get(bad)?.error?.class, 'timeout');
          assert.equal(results.get(bad)?.error?.code, 'timeout-operation');
          assert.ok(Date.now() - t0 < 4000);
          for (const node of lab.nodes.filter((n) => n !== bad)) assert.equal(results.get(node)?.ok, true);
        } finally {
          await slow.close();
        }
        const t = transport({ connectTimeoutMs: 10_000 });
        try {
          const ac = new AbortController();
          setTimeout(() => ac.abort(), 800);
          const t0 = Date.now();
          const done: string[] = [];
          const results = byHost(
            await t.push(builder().write('a', '1').build(), lab.nodes, {
              fanout: 8,
              signal: ac.signal,
              onHostDone: (r) => done.push(r.host),
            }),
          );
          assert.deepEqual(results.get(bad)?.error, {
            class: 'other',
            message: 'aborted before this host finished',
            code: 'aborted',
          });
          assert.ok(Date.now() - t0 < 3000);
          assert.equal(done.length, lab.nodes.length, 'onHostDone for every host');
        } finally {
          await t.close();
        }
      } finally {
        lab.heal(bad);
      }
    });

    it('a node that stops answering mid-session (kept connection) fails alone, by stall timeout', async () => {
      const bad = lab.nodes[2] ?? '';
      const t = transport({ connectTimeoutMs: 2000 }, { keepConnections: true, stallTimeoutMs: 2000 });
      try {
        assert.ok(
          (await t.push(builder().write('a', '1').build(), lab.nodes, { fanout: 8 })).every((r) => r.ok),
        );
        lab.fail(bad, 'drop'); // established TCP stays, packets vanish
        try {
          const t0 = Date.now();
          const results = byHost(await t.push(builder().write('b', '2').build(), lab.nodes, { fanout: 8 }));
          const elapsed = Date.now() - t0;
          assert.equal(results.get(bad)?.error?.class, 'timeout', results.get(bad)?.error?.message);
          for (const node of lab.nodes.filter((n) => n !== bad)) assert.equal(results.get(node)?.ok, true);
          assert.ok(elapsed < 9000, `took ${elapsed} ms`);
        } finally {
          lab.heal(bad);
        }
      } finally {
        await t.close();
      }
    });
  });

  describe('host keys and authentication', () => {
    const node = () => lab.nodes[0] ?? '';
    const labKey = (n: string) => {
      const line =
        readFileSync(lab.knownHosts, 'utf8')
          .split('\n')
          .find((l) => l.startsWith(`${n},`)) ?? '';
      const [names, type, blob] = line.split(' ');
      return {
        names: names ?? '',
        type: type ?? '',
        blob: blob ?? '',
        ip: (names ?? '').split(',')[1] ?? '',
      };
    };

    it('unknown host key → hostkey; with acceptNewHostKeys → ok and recorded', async () => {
      const kh = join(work, 'empty_known_hosts');
      writeFileSync(kh, '');
      const strict = transport({ knownHostsFile: kh });
      try {
        const [r] = await strict.push(builder().write('x', 'x').build(), [node()], { fanout: 1 });
        assert.equal(r?.error?.class, 'hostkey');
        assert.match(r?.error?.message ?? '', /no ssh-ed25519 host key known for 10\.231\.\d+\.11/);
      } finally {
        await strict.close();
      }
      const accepting = transport({ knownHostsFile: kh, acceptNewHostKeys: true });
      try {
        const [r] = await accepting.push(builder().write('x', 'x').build(), [node()], { fanout: 1 });
        assert.equal(r?.ok, true, r?.error?.message);
      } finally {
        await accepting.close();
      }
      const k = labKey(node());
      assert.equal(
        readFileSync(kh, 'utf8'),
        `${k.ip} ${k.type} ${k.blob}\n`,
        'recorded under the HostName, as ssh does',
      );
      const again = transport({ knownHostsFile: kh });
      try {
        const [r] = await again.push(builder().write('x', 'x').build(), [node()], { fanout: 1 });
        assert.equal(r?.ok, true, 'the recorded key is trusted next time');
      } finally {
        await again.close();
      }
    });

    it('a changed host key → hostkey, even with acceptNewHostKeys', async () => {
      const other = generateKeyPair('ed25519').public.split(' ');
      const k = labKey(node());
      const kh = join(work, 'wrong_known_hosts');
      writeFileSync(kh, `${k.names} ${other[0]} ${other[1]}\n`);
      const t = transport({ knownHostsFile: kh, acceptNewHostKeys: true });
      try {
        const [r] = await t.push(builder().write('x', 'x').build(), [node()], { fanout: 1 });
        assert.equal(r?.error?.class, 'hostkey');
        assert.match(r?.error?.message ?? '', /CHANGED/);
        assert.equal(readFileSync(kh, 'utf8').split('\n').filter(Boolean).length, 1, 'nothing appended');
      } finally {
        await t.close();
      }
    });

    it('a key the node does not accept → auth', async () => {
      const cfg = join(work, 'ssh_config_no_identity');
      writeFileSync(cfg, readFileSync(lab.sshConfig, 'utf8').replace(/^\s*IdentityFile .*$/m, ''));
      const key = join(work, 'other_id');
      writeFileSync(key, generateKeyPair('ed25519').private, { mode: 0o600 });
      const t = transport({ sshConfigFile: cfg, identityFiles: [key] });
      try {
        const [r] = await t.push(builder().write('x', 'x').build(), [node()], { fanout: 1 });
        assert.equal(r?.error?.class, 'auth', r?.error?.message);
        assert.match(r?.error?.message ?? '', new RegExp(`Permission denied \\(tried ${key}\\)`));
      } finally {
        await t.close();
      }
    });
  });

  it('keepConnections: a second push opens no new connection', async () => {
    const accepted = (n: string) =>
      readFileSync(join(lab.dir, 'nodes', n, 'sys', 'sshd.log'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('Accepted publickey')).length;
    const t = transport({}, { keepConnections: true });
    try {
      assert.ok(
        (await t.push(builder().write('one', '1').build(), lab.nodes, { fanout: 8 })).every((r) => r.ok),
      );
      const before = lab.nodes.map(accepted);
      assert.ok(
        (await t.push(builder().write('two', '2').build(), lab.nodes, { fanout: 8 })).every((r) => r.ok),
      );
      assert.deepEqual(lab.nodes.map(accepted), before, 'no new sshd login on any node');
      const s = t.stats();
      assert.equal(s.connectsOpened, lab.nodes.length);
      assert.equal(s.connectionsReused, lab.nodes.length);
      assert.equal(s.open, lab.nodes.length);
    } finally {
      await t.close();
    }
    assert.equal(t.stats().open, 0);
  });

  it('keepConnections: a kept connection the node dropped is replaced; idle ones close', async () => {
    const t = transport({}, { keepConnections: true, idleCloseMs: 1500 });
    try {
      assert.ok(
        (await t.push(builder().write('one', '1').build(), lab.nodes, { fanout: 8 })).every((r) => r.ok),
      );
      // end node02's session sshd (children of its listener, by pid): the kept connection dies
      const node = lab.nodes[1] ?? '';
      const listener = readFileSync(join(lab.dir, 'nodes', node, 'sys', 'sshd.pid'), 'utf8').trim();
      const children = readFileSync(`/proc/${listener}/task/${listener}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      assert.ok(children.length > 0, 'the kept session is a child of the node sshd');
      for (const pid of children) process.kill(Number(pid), 'SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      const results = await t.push(builder().write('two', '2').build(), lab.nodes, { fanout: 8 });
      for (const r of results) assert.equal(r.ok, true, `${r.host}: ${r.error?.message}`);
      assert.equal(t.stats().connectsOpened, lab.nodes.length + 1, 'only the dropped one reconnected');
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(t.stats().open, 0, 'idle connections closed');
    } finally {
      await t.close();
    }
  });
});
