// The live daemon end to end: the real binary watching a real tree, pushing to real sshd nodes.
// Edits, atomic replace, new directories, delete, rename; a node down during watch catches up and
// the others never wait; kill -9 mid-batch then restart converges; inotify overflow loses nothing;
// SIGHUP adds a host; SIGTERM stops cleanly.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDaemon, waitFor, type DaemonHandle } from '../helpers/daemon.js';
import { labUnavailableReason, startLab, type Lab } from '../helpers/lab.js';
import { describeObject, makeTree } from '../helpers/tree.js';

const skip = labUnavailableReason();
const DEST = '/srv/live';

describe('watch mode (daemon), ssh transport', { skip, timeout: 900_000 }, () => {
  let lab: Lab;
  let work: string;
  let src: string;
  let hostsFile: string;
  let daemon: DaemonHandle | undefined;

  const args = () => [
    '-W',
    src,
    '-D',
    DEST,
    '-H',
    hostsFile,
    '--ssh-config',
    lab.sshConfig,
    '--state-dir',
    join(work, 'state'),
    '--transport',
    'ssh',
    '--connect-timeout',
    '2',
    '--delay-collect',
    '0.1',
    '-v',
    '--status-file',
    join(work, 'status'),
    '--pid-file',
    join(work, 'pid'),
  ];
  const sameOnNode = (node: string, path: string) =>
    JSON.stringify(describeObject(lab.path(node, join(DEST, path)))) ===
    JSON.stringify(describeObject(join(src, path)));
  const converged = (path: string, nodes: readonly string[] = lab.nodes) =>
    nodes.every((n) => sameOnNode(n, path));
  const waitConverged = (path: string, nodes?: readonly string[], timeoutMs = 30_000) =>
    waitFor(
      () => converged(path, nodes),
      timeoutMs,
      () => `${path} did not converge:\n${daemon?.log() ?? ''}`,
    );
  const goneEverywhere = (path: string) => lab.nodes.every((n) => !existsSync(lab.path(n, join(DEST, path))));

  before(async () => {
    lab = startLab(3, 3);
    work = await mkdtemp(join(tmpdir(), 'clsync-watch-'));
    src = join(work, 'etc');
    hostsFile = join(work, 'nodes.txt');
    await writeFile(hostsFile, `${lab.nodes.slice(0, 2).join('\n')}\n`); // node03 joins on SIGHUP
    await makeTree(src, [
      { path: 'passwd', content: 'root:x:0:0::/root:/bin/bash\n' },
      { path: 'group', content: 'root:x:0:\n' },
      { path: 'shadow', content: 'root:*:1::::::\n', mode: 0o640, gid: 42 },
    ]);
    daemon = startDaemon(args(), lab.env);
    await daemon.waitForLog(/watching/);
  });
  after(async () => {
    await daemon?.stop('SIGKILL');
    lab?.down();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  const twoNodes = () => lab.nodes.slice(0, 2);

  test('initial sync, then status file says running', async () => {
    await waitConverged('shadow', twoNodes());
    assert.match(readFileSync(join(work, 'status'), 'utf8'), /running/);
    assert.equal(readFileSync(join(work, 'pid'), 'utf8').trim(), String(daemon?.pid));
  });

  test('an append reaches every node', async () => {
    await appendFile(join(src, 'passwd'), 'alice:x:1001:1001::/home/alice:/bin/bash\n');
    await waitConverged('passwd', twoNodes());
  });

  test('atomic replace (cp passwd passwd+; edit; mv) delivers the final content, never the temp name', async () => {
    const text = readFileSync(join(src, 'passwd'), 'utf8') + 'bob:x:1002:1002::/home/bob:/bin/bash\n';
    await writeFile(join(src, 'passwd+'), text);
    await rename(join(src, 'passwd+'), join(src, 'passwd'));
    await waitConverged('passwd', twoNodes());
    for (const n of twoNodes()) assert.equal(existsSync(lab.path(n, join(DEST, 'passwd+'))), false);
  });

  test('a new directory with files created at once arrives whole', async () => {
    await mkdir(join(src, 'slurm/conf.d/deep'), { recursive: true });
    await writeFile(join(src, 'slurm/conf.d/deep/gres.conf'), 'Name=gpu\n');
    await writeFile(join(src, 'slurm/slurm.conf'), 'ClusterName=lab\n');
    await waitConverged('slurm/conf.d/deep/gres.conf', twoNodes());
    await waitConverged('slurm/slurm.conf', twoNodes());
  });

  test('delete and rename propagate', async () => {
    await rename(join(src, 'group'), join(src, 'group.renamed'));
    await unlink(join(src, 'slurm/slurm.conf'));
    await waitConverged('group.renamed', twoNodes());
    await waitFor(
      () => goneEverywhere('group') && goneEverywhere('slurm/slurm.conf'),
      30_000,
      () => daemon?.log() ?? '',
    );
  });

  test('a slow writer is not pushed half-written', async () => {
    const path = join(src, 'slow.conf');
    const { open } = await import('node:fs/promises');
    const fh = await open(path, 'w');
    await fh.write('part one\n');
    await new Promise((r) => setTimeout(r, 800));
    for (const n of twoNodes()) {
      const seen = describeObject(lab.path(n, join(DEST, 'slow.conf')));
      assert.equal(seen, undefined, `${n} got the file while it was still being written`);
    }
    await fh.write('part two\n');
    await fh.close();
    await waitConverged('slow.conf', twoNodes());
  });

  test('a node down during watch: the others keep getting changes; healed, it catches up', async () => {
    const [up, down] = twoNodes() as [string, string];
    // 'link' (not 'sshd'): a kept connection outlives a killed sshd listener, as on a real node
    lab.fail(down, 'link');
    try {
      const mark = daemon?.log().length ?? 0;
      await appendFile(join(src, 'passwd'), 'carol:x:1003:1003::/home/carol:/bin/bash\n');
      await waitConverged('passwd', [up]);
      await daemon?.waitForLog(new RegExp(`${down} down: (unreachable|timeout)`), 60_000, mark);
      await appendFile(join(src, 'shadow'), 'carol:*:1::::::\n');
      await waitConverged('shadow', [up], 10_000);
      assert.equal(sameOnNode(down, 'passwd'), false);
    } finally {
      lab.heal(down);
    }
    await waitConverged('passwd', [down], 60_000);
    await waitConverged('shadow', [down], 60_000);
    await daemon?.waitForLog(new RegExp(`${down} up again after`), 30_000);
  });

  test('SIGHUP reloads the host list: a new host gets the whole tree', async () => {
    await writeFile(hostsFile, `${lab.range}\n`);
    daemon?.child.kill('SIGHUP');
    await daemon?.waitForLog(/reloaded rules and hosts: 3 host\(s\), added node03/);
    for (const p of ['passwd', 'shadow', 'group.renamed', 'slurm/conf.d/deep/gres.conf', 'slow.conf'])
      await waitConverged(p, lab.nodes, 60_000);
  });

  test(
    'inotify overflow (daemon stopped, 20,000 files created) loses nothing',
    { timeout: 600_000 },
    async () => {
      const dir = join(src, 'many');
      await mkdir(dir);
      await waitFor(
        () => lab.nodes.every((n) => existsSync(lab.path(n, join(DEST, 'many')))),
        30_000,
        () => daemon?.log() ?? '',
      );
      const mark = daemon?.log().length ?? 0;
      daemon?.child.kill('SIGSTOP');
      try {
        for (let i = 0; i < 20_000; i++) await writeFile(join(dir, `f${i}`), `${i}\n`);
      } finally {
        daemon?.child.kill('SIGCONT');
      }
      await daemon?.waitForLog(/overflow/i, 60_000, mark);
      await waitFor(
        () => lab.nodes.every((n) => readdirOr(lab.path(n, join(DEST, 'many'))).length === 20_000),
        540_000,
        () =>
          `not all 20,000 files arrived: ${lab.nodes.map((n) => readdirOr(lab.path(n, join(DEST, 'many'))).length).join(', ')}`,
      );
    },
  );

  test(
    'kill -9 mid-batch, restart: converges, nothing half-written, no temp left',
    { timeout: 300_000 },
    async () => {
      const big = Buffer.alloc(8 * 1024 * 1024, 'z');
      await writeFile(join(src, 'big.bin'), big);
      await new Promise((r) => setTimeout(r, 300)); // the batch is under way
      daemon?.child.kill('SIGKILL');
      await daemon?.exited();
      for (const n of lab.nodes) {
        const copy = describeObject(lab.path(n, join(DEST, 'big.bin')));
        assert.ok(
          copy === undefined || copy.content === big.toString('base64'),
          `${n}: partial big.bin visible`,
        );
      }
      await writeFile(join(src, 'after-crash'), 'written while the daemon was dead\n');
      daemon = startDaemon(args(), lab.env);
      await daemon.waitForLog(/watching/, 120_000);
      await waitConverged('big.bin', lab.nodes, 120_000);
      await waitConverged('after-crash', lab.nodes, 60_000);
      // the temp the kill left behind had the name the resend used: cleared and renamed away
      for (const n of lab.nodes) {
        assert.deepEqual(
          readdirOr(lab.path(n, DEST)).filter((name) => name.includes('.clsync-hpc.')),
          [],
          `${n}: temp left`,
        );
      }
    },
  );

  test('a full state dir: the batch is held back, the daemon lives on, and sends it once there is room', async () => {
    await daemon?.stop('SIGTERM');
    const small = join(work, 'small-state');
    await mkdir(small);
    // room for the initial sync's stage (big.bin is 8 MiB), until the test fills it
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'clsync-test-state', small]);
    try {
      daemon = startDaemon([...args(), '--state-dir', small], lab.env); // the last --state-dir wins
      await daemon.waitForLog(/watching/, 120_000);
      const fill = join(small, 'fill');
      spawnSync('dd', ['if=/dev/zero', `of=${fill}`, 'bs=64k']); // until ENOSPC
      const from = daemon.log().length;
      await writeFile(join(src, 'held-back.bin'), Buffer.alloc(512 * 1024, 'full')); // staged as a file
      await daemon.waitForLog(
        /not sent to node\S*: state: cannot stage the batch .*ENOSPC.*trying again with backoff/,
        30_000,
        from,
      );
      assert.equal(daemon.child.exitCode, null, 'the daemon lives on');
      assert.doesNotMatch(daemon.log().slice(from), / down: /);
      await unlink(fill);
      await waitConverged('held-back.bin', lab.nodes, 60_000);
      await daemon.waitForLog(/node\S*: caught up with what the state dir held back/, 30_000, from);
    } finally {
      await daemon?.stop('SIGTERM');
      execFileSync('umount', [small]);
    }
    daemon = startDaemon(args(), lab.env);
    await daemon.waitForLog(/watching/, 120_000);
  });

  test('SIGTERM mid-batch: no temp left on a node, hosts not reported down; the next start sends the rest', async () => {
    const temps = () =>
      lab.nodes.flatMap((n) =>
        readdirOr(lab.path(n, DEST)).filter((name) => name.startsWith('.big2.bin.clsync-hpc.')),
      );
    const from = daemon?.log().length ?? 0;
    await writeFile(join(src, 'big2.bin'), Buffer.alloc(96 * 1024 * 1024, 'stop me '));
    await waitFor(
      () => temps().length > 0,
      30_000,
      () => `no temp appeared:\n${daemon?.log() ?? ''}`,
    );
    const status = await daemon?.stop('SIGTERM');
    const log = daemon?.log().slice(from) ?? '';
    assert.equal(status, 0, log);
    assert.deepEqual(temps(), [], 'temp files left on the nodes');
    assert.doesNotMatch(log, / down: /, 'a stop is not a node failure');
    assert.match(log, /stopped before node\S* had it all; sent on the next start/);
    daemon = startDaemon(args(), lab.env);
    await daemon.waitForLog(/watching/, 120_000);
    await waitConverged('big2.bin', lab.nodes, 120_000);
  });

  test('SIGTERM stops cleanly: exit 0, pid and status files removed', async () => {
    // as systemd (KillMode=control-group) does: the same signal to the daemon and its helper at once
    const helpers = spawnSync('pgrep', ['-P', String(daemon?.pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean);
    assert.equal(helpers.length, 1, 'the daemon runs one inotify helper');
    const from = daemon?.log().length ?? 0;
    for (const pid of helpers) process.kill(Number(pid), 'SIGTERM');
    const status = await daemon?.stop('SIGTERM');
    assert.doesNotMatch(
      daemon?.log().slice(from) ?? '',
      /inotify helper|rescan/,
      'a group stop is not a helper failure',
    );
    daemon = undefined;
    assert.equal(status, 0);
    assert.equal(existsSync(join(work, 'pid')), false);
    assert.equal(existsSync(join(work, 'status')), false);
  });
});

function readdirOr(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
