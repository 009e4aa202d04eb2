// The pdcp transport against real sshd nodes (test/lab, slots 10–19): real pdcp and pdsh, every
// fault of `lab.sh fail`, hostile names, ownership, atomic replacement, and a 20,000-file batch.
// Results are checked on each node's own disk (lab.path → the node's overlay upper dir), never
// through pdcp's exit code.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPdcpTransport, type PdcpTransportOptions } from '../../src/transport/pdcp/pdcp-transport.js';
import type { Batch, ConnectionSettings, HostResult } from '../../src/types.js';
import { BatchBuilder } from '../fixtures/pdcp/batch-builder.js';
import { HOSTILE_NAMES } from '../fixtures/pdcp/hostile-names.js';
import { labUnavailableReason, startLab, type FaultMode, type Lab } from '../helpers/lab.js';

const skip = labUnavailableReason();
const DEST = '/srv/pdcp-it';

// link shows as a timeout when the 2 s connect timeout expires before ARP gives up (3 s)
const EXPECTED_CLASS: Record<FaultMode, readonly string[]> = {
  sshd: ['unreachable'],
  freeze: ['timeout'],
  link: ['unreachable', 'timeout'],
  drop: ['timeout'],
  ro: ['remote-io'],
  full: ['remote-io'],
};

describe('pdcp transport on the lab', { skip, timeout: 900_000 }, () => {
  let lab: Lab;
  let work: string;
  let settings: ConnectionSettings;
  let batches = 0;

  before(async () => {
    lab = startLab(3, 11);
    work = await mkdtemp(join(tmpdir(), 'clsync-pdcp-it-'));
    settings = {
      sshConfigFile: lab.sshConfig,
      identityFiles: [],
      acceptNewHostKeys: false,
      user: 'root',
      connectTimeoutMs: 2_000,
      operationTimeoutMs: 60_000,
    };
  });
  after(async () => {
    lab?.down();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  const builder = (dest = DEST) => new BatchBuilder(join(work, 'staged'), `it${++batches}`, dest);
  const push = (
    batch: Batch,
    options: PdcpTransportOptions = {},
    overrides: Partial<ConnectionSettings> = {},
    hosts = lab.nodes,
  ) => createPdcpTransport({ ...settings, ...overrides }, options).push(batch, hosts, { fanout: 8 });
  /** Admin-side path of what `node` itself holds at DEST/rel (names may hold newlines: join here). */
  const onNode = (node: string, rel: string, dest = DEST) => join(lab.path(node, dest), rel);
  const summary = (results: HostResult[]) =>
    Object.fromEntries(results.map((r) => [r.host, r.ok ? 'ok' : (r.error?.class ?? '?')]));
  const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

  /** Our names left on a node: temp files under DEST, stage dirs in its /tmp. */
  function leftovers(node: string): string[] {
    const found: string[] = [];
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (name.includes('clsync-hpc')) found.push(p);
        if (lstatSync(p).isDirectory() && !lstatSync(p).isSymbolicLink()) walk(p);
      }
    };
    walk(lab.path(node, DEST));
    walk(lab.path(node, '/tmp'));
    return found;
  }

  test('a batch lands on every node: hostile names, owner/group/mode from the entry, setuid, mtime, symlinks, dirs, deletes', async () => {
    const b = builder()
      .mkdir('etc', { mode: 0o755 })
      .mkdir('etc/hostile', { mode: 0o750, uid: 0, gid: 42 })
      .write('etc/shadow', {
        content: 'root:*:19700:0:99999:7:::\n',
        mode: 0o640,
        uid: 0,
        gid: 42,
        mtimeMs: 1_690_000_000_321,
      })
      .write('etc/suid-tool', { content: '#!/bin/sh\n', mode: 0o4755, uid: 1234, gid: 1234 })
      .write('etc/gone-soon', { content: 'bye\n' })
      .symlink('etc/localtime', '/usr/share/zoneinfo/Etc/UTC')
      .symlink('etc/dangling', 'does/not/exist', { uid: 7, gid: 8 });
    for (const [i, name] of HOSTILE_NAMES.entries())
      b.write(`etc/hostile/${name}`, { content: `#${i} ${JSON.stringify(name)}\n` });
    const first = await b.build();
    // the frozen copy is owned by someone else: the node must get the entry's owner, not the copy's
    await chown(first.staged.get('etc/shadow') ?? '', 4321, 4321);
    const t0 = Date.now();
    assert.deepEqual(summary(await push(first)), Object.fromEntries(lab.nodes.map((n) => [n, 'ok'])));
    const oneShot = Date.now() - t0;

    const second = await builder()
      .delete('etc/gone-soon', 'file')
      .write('etc/motd', { content: 'hello\n' })
      .build();
    assert.deepEqual(summary(await push(second)), Object.fromEntries(lab.nodes.map((n) => [n, 'ok'])));

    for (const node of lab.nodes) {
      const st = lstatSync(onNode(node, 'etc/shadow'));
      assert.deepEqual(
        [(st.mode & 0o7777).toString(8), st.uid, st.gid, st.mtimeMs],
        ['640', 0, 42, 1_690_000_000_321],
        node,
      );
      assert.equal(readFileSync(onNode(node, 'etc/shadow'), 'utf8'), 'root:*:19700:0:99999:7:::\n');
      const suid = lstatSync(onNode(node, 'etc/suid-tool'));
      assert.deepEqual([(suid.mode & 0o7777).toString(8), suid.uid, suid.gid], ['4755', 1234, 1234]);
      assert.equal(readlinkSync(onNode(node, 'etc/localtime')), '/usr/share/zoneinfo/Etc/UTC');
      assert.equal(readlinkSync(onNode(node, 'etc/dangling')), 'does/not/exist');
      assert.equal(lstatSync(onNode(node, 'etc/dangling')).uid, 7);
      assert.equal(existsSync(onNode(node, 'etc/gone-soon')), false);
      assert.equal(readFileSync(onNode(node, 'etc/motd'), 'utf8'), 'hello\n');
      const dir = lstatSync(onNode(node, 'etc/hostile'));
      assert.deepEqual([(dir.mode & 0o7777).toString(8), dir.gid], ['750', 42]);
      assert.deepEqual(readdirSync(onNode(node, 'etc/hostile')).sort(), [...HOSTILE_NAMES].sort());
      for (const [i, name] of HOSTILE_NAMES.entries()) {
        assert.equal(
          readFileSync(onNode(node, `etc/hostile/${name}`), 'utf8'),
          `#${i} ${JSON.stringify(name)}\n`,
          JSON.stringify(name),
        );
      }
      for (const dir of ['/tmp', '/root', '/', DEST, `${DEST}/etc/hostile`]) {
        assert.equal(existsSync(join(lab.path(node, dir), 'pwned')), false, `${node}:${dir}`);
        assert.equal(existsSync(join(lab.path(node, dir), 'pwned2')), false, `${node}:${dir}`);
      }
      assert.deepEqual(leftovers(node), [], node);
    }
    assert.equal(existsSync('pwned'), false);
    console.log(
      `# one-shot push of ${first.changes.length} changes to ${lab.nodes.length} nodes: ${oneShot} ms`,
    );
  });

  test('replacing a file is a rename: a new inode, the old bytes stay readable through an open handle', async () => {
    await push(
      await builder()
        .write('atomic.conf', { content: 'old\n'.repeat(10_000) })
        .build(),
    );
    const node = lab.nodes[0] as string;
    const before = lstatSync(onNode(node, 'atomic.conf')).ino;
    assert.deepEqual(
      summary(
        await push(
          await builder()
            .write('atomic.conf', { content: 'new\n'.repeat(20_000) })
            .build(),
        ),
      )[node],
      'ok',
    );
    assert.notEqual(lstatSync(onNode(node, 'atomic.conf')).ino, before);
    assert.equal(readFileSync(onNode(node, 'atomic.conf'), 'utf8'), 'new\n'.repeat(20_000));
  });

  for (const mode of ['sshd', 'freeze', 'link', 'drop', 'ro', 'full'] as const) {
    test(`fault "${mode}" on one node: that node fails with its class and its own words, the others get the batch`, async () => {
      const victim = lab.nodes[2] as string;
      await push(
        await builder()
          .write('app.conf', { content: `before ${mode}\n` })
          .build(),
      );
      const old = sha(onNode(victim, 'app.conf'));
      // too big for blocks a full tmpfs still has
      const content = `after ${mode}\n${'x'.repeat(256 * 1024)}\n`;
      lab.fail(victim, mode);
      let results: HostResult[];
      const t0 = Date.now();
      try {
        results = await push(await builder().write('app.conf', { content }).build());
        if (mode === 'ro' || mode === 'full') {
          assert.equal(sha(onNode(victim, 'app.conf')), old, 'the old file is intact');
          assert.deepEqual(leftovers(victim), [], 'no temp file, no stage dir');
        }
      } finally {
        lab.heal(victim);
      }
      const failed = results.filter((r) => !r.ok);
      assert.deepEqual(
        failed.map((r) => r.host),
        [victim],
      );
      assert.ok(
        EXPECTED_CLASS[mode].includes(failed[0]?.error?.class ?? ''),
        `${mode}: ${JSON.stringify(failed[0]?.error)}`,
      );
      const words = {
        sshd: /Connection refused/,
        freeze: /banner exchange/,
        link: /No route to host|timed out/,
        drop: /Connection timed out/,
        ro: /Read-only file system/,
        full: /No space left on device/,
      }[mode];
      assert.match(failed[0]?.error?.message ?? '', words);
      for (const node of lab.nodes.filter((n) => n !== victim))
        assert.equal(readFileSync(onNode(node, 'app.conf'), 'utf8'), content);
      console.log(`# ${mode}: ${Date.now() - t0} ms, ${JSON.stringify(failed[0]?.error)}`);
    });
  }

  for (const mode of ['full', 'ro'] as const) {
    test(`fault "${mode}" after staging (stage in /run, its own tmpfs): apply.sh fails, cleans up, old file intact`, async () => {
      const victim = lab.nodes[1] as string;
      await push(await builder().write('staged-elsewhere.conf', { content: 'old\n' }).build());
      const old = sha(onNode(victim, 'staged-elsewhere.conf'));
      lab.fail(victim, mode, mode === 'ro' ? DEST : undefined);
      let results: HostResult[];
      try {
        results = await push(
          await builder()
            .write('first-in-batch', { content: 'x' })
            .write('staged-elsewhere.conf', { content: 'y'.repeat(512 * 1024) })
            .build(),
          { remoteTmp: '/run' },
        );
        assert.equal(sha(onNode(victim, 'staged-elsewhere.conf')), old);
        assert.equal(
          existsSync(onNode(victim, 'first-in-batch')),
          false,
          'nothing of a failed batch is installed',
        );
        assert.deepEqual(leftovers(victim), []);
        assert.equal(lab.exec(victim, ['sh', '-c', 'ls -a /run | grep -c clsync-hpc || true']).trim(), '0');
      } finally {
        lab.heal(victim);
      }
      assert.deepEqual(summary(results)[victim], 'remote-io');
      const failure = results.find((r) => r.host === victim)?.error;
      assert.match(
        failure?.message ?? '',
        mode === 'full'
          ? /^\/srv\/pdcp-it\/[\w.-]+: cp: error writing .*: No space left on device$/
          : /^\/srv\/pdcp-it\/first-in-batch: cp: .*Read-only file system$/,
      );
      for (const node of lab.nodes.filter((n) => n !== victim))
        assert.equal(readFileSync(onNode(node, 'staged-elsewhere.conf'), 'utf8'), 'y'.repeat(512 * 1024));
    });
  }

  test('no pdcp on the nodes (pdcp -e /nonexistent/pdcp): every node fails with code remote-pdcp-missing', async () => {
    const results = await push(await builder().write('x', { content: 'x' }).build(), {
      remotePdcpPath: '/nonexistent/pdcp',
    });
    for (const r of results) {
      assert.deepEqual([r.ok, r.error?.class, r.error?.code], [false, 'other', 'remote-pdcp-missing']);
      assert.match(r.error?.message ?? '', /\/nonexistent\/pdcp: No such file or directory/);
    }
  });

  test('a changed host key fails that node as hostkey; an unknown key as hostkey; a refused key as auth', async () => {
    const victim = lab.nodes[0] as string;
    const batch = await builder().write('keys', { content: 'k' }).build();
    const knownHosts = readFileSync(lab.knownHosts, 'utf8');
    const strangerKey = join(work, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerKey]);
    const stranger = readFileSync(`${strangerKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const changed = join(work, 'changed_known_hosts');
    writeFileSync(changed, knownHosts.replace(new RegExp(`^(${victim},\\S+) .*$`, 'm'), `$1 ${stranger}`));
    let results = await push(batch, {}, { knownHostsFile: changed });
    assert.deepEqual(
      summary(results),
      Object.fromEntries(lab.nodes.map((n) => [n, n === victim ? 'hostkey' : 'ok'])),
    );
    assert.match(results[0]?.error?.message ?? '', /Host key for .* has changed/);

    const empty = join(work, 'empty_known_hosts');
    writeFileSync(empty, '');
    results = await push(batch, {}, { knownHostsFile: empty }, [victim]);
    assert.deepEqual(summary(results), { [victim]: 'hostkey' });

    // our own ssh config without the lab key: only a key the nodes do not know is offered
    const config = join(work, 'no_key_config');
    const ip = readFileSync(join(lab.dir, 'inventory.tsv'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${victim}\t`))
      ?.split('\t')[1];
    writeFileSync(
      config,
      `Host ${victim}\n  HostName ${ip}\n  User root\n  IdentitiesOnly yes\n  UserKnownHostsFile ${lab.knownHosts}\n`,
    );
    results = await push(batch, {}, { sshConfigFile: config, identityFiles: [strangerKey] }, [victim]);
    assert.deepEqual(summary(results), { [victim]: 'auth' });
    assert.match(results[0]?.error?.message ?? '', /Permission denied \(publickey\)/);
  });

  test(
    '20,000 files in one batch to 2 nodes: one pdcp and one pdsh round, no ARG_MAX trouble',
    { timeout: 900_000 },
    async () => {
      const dest = '/srv/pdcp-big';
      const b = builder(dest);
      for (let d = 0; d < 100; d++) b.mkdir(`d${d}`);
      for (let i = 0; i < 20_000; i++)
        b.write(`d${i % 100}/file-${i}.conf`, {
          content: `line ${i}\n`,
          mtimeMs: 1_700_000_000_000 + (i % 50) * 1000,
        });
      const batch = await b.build();
      const nodes = lab.nodes.slice(0, 2);
      const t0 = Date.now();
      const results = await push(batch, {}, { operationTimeoutMs: 600_000 }, nodes);
      const ms = Date.now() - t0;
      assert.deepEqual(summary(results), Object.fromEntries(nodes.map((n) => [n, 'ok'])));
      for (const node of nodes) {
        let count = 0;
        for (let d = 0; d < 100; d++) count += readdirSync(onNode(node, `d${d}`, dest)).length;
        assert.equal(count, 20_000);
        assert.equal(readFileSync(onNode(node, 'd7/file-19907.conf', dest), 'utf8'), 'line 19907\n');
        assert.deepEqual(leftovers(node), []);
      }
      console.log(`# 20,000 files to ${nodes.length} nodes: ${ms} ms`);
    },
  );
});
