// End to end, through the real CLI, against real sshd nodes in the lab: the one-shot (cron) run,
// for each transport. Covers issue "pdcp transport" and "ssh transport" done-when lists: every
// fault of `lab.sh fail` one node at a time, full disk never corrupts, hostile names, ownership,
// symlinks, deletions, a second run contacts no node, a healed node gets exactly what it missed.
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunReport } from '../../src/types.js';
import { runCli, startCli } from '../helpers/cli.js';
import { labUnavailableReason, startLab, type FaultMode, type Lab } from '../helpers/lab.js';
import { describeObject, makeTree } from '../helpers/tree.js';

const skip = labUnavailableReason();
const DEST = '/srv/e2e';

// the last two leave no room within NAME_MAX (255 bytes) for the usual temp name's prefix and suffix
const HOSTILE = [
  'with space',
  `quote'"s`,
  '$(touch pwned)',
  '`touch pwned2`',
  '-leading-dash',
  'unicodé ✓',
  'new\nline',
  'L'.repeat(250),
  'é'.repeat(120),
];

// what each fault looks like in the report; link may show as a timeout when the connect timeout
// (2 s) expires before ARP gives up (3 s)
const EXPECTED_CLASS: Record<FaultMode, readonly string[]> = {
  sshd: ['unreachable'],
  freeze: ['timeout'],
  link: ['unreachable', 'timeout'],
  drop: ['timeout'],
  ro: ['remote-io'],
  full: ['remote-io'],
};

for (const [transport, slot] of [
  ['pdcp', 1],
  ['ssh', 2],
] as const) {
  describe(`--once with --transport ${transport}`, { skip, timeout: 600_000 }, () => {
    let lab: Lab;
    let work: string;
    let src: string;
    let hostsFile: string;
    let reportFile: string;

    const args = (...extra: string[]) => [
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
      transport,
      '--once',
      '--connect-timeout',
      '2',
      '--retries',
      '0',
      '--report',
      reportFile,
      ...extra,
    ];
    const report = (): RunReport => JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    const hostStatus = (r: RunReport) => Object.fromEntries(r.hosts.map((h) => [h.host, h.status]));
    const onNode = (node: string, path: string) => describeObject(lab.path(node, join(DEST, path)));
    const inSource = (path: string) => describeObject(join(src, path));
    const acceptedLogins = () =>
      lab.nodes.map(
        (n) =>
          (
            readFileSync(join(lab.dir, 'nodes', n, 'sys', 'sshd.log'), 'utf8').match(/Accepted publickey/g) ??
            []
          ).length,
      );

    before(async () => {
      lab = startLab(4, slot);
      work = await mkdtemp(join(tmpdir(), `clsync-e2e-${transport}-`));
      src = join(work, 'etc');
      hostsFile = join(work, 'nodes.txt');
      reportFile = join(work, 'report.json');
      await writeFile(hostsFile, `# the lab\n${lab.range}\n`);
      await makeTree(src, [
        { path: 'passwd', content: 'root:x:0:0:root:/root:/bin/bash\n', mode: 0o644, mtime: 1_700_000_000 },
        { path: 'shadow', content: 'root:*:19700:0:99999:7:::\n', mode: 0o640, uid: 0, gid: 42 },
        { path: 'suid-tool', content: '#!/bin/sh\n', mode: 0o4755, uid: 1234, gid: 1234 },
        { path: 'ssh', dir: true, mode: 0o755 },
        { path: 'ssh/sshd_config', content: 'PermitRootLogin prohibit-password\n' },
        { path: 'ssh/ssh_host_ed25519_key', content: 'PRIVATE: never cloned\n', mode: 0o600 },
        { path: '.passwd.swp', content: 'editor swap: never synced\n' },
        { path: 'localtime', symlink: '/usr/share/zoneinfo/Etc/UTC' },
        { path: 'dangling', symlink: 'does/not/exist' },
        { path: 'empty.d', dir: true, mode: 0o700 },
        { path: 'hostile', dir: true },
        ...HOSTILE.map((name) => ({ path: `hostile/${name}`, content: `I am ${JSON.stringify(name)}\n` })),
      ]);
    });
    after(async () => {
      lab?.down();
      if (work !== undefined) await rm(work, { recursive: true, force: true });
    });

    const paths = [
      'passwd',
      'shadow',
      'suid-tool',
      'ssh',
      'ssh/sshd_config',
      'localtime',
      'dangling',
      'empty.d',
      ...HOSTILE.map((n) => `hostile/${n}`),
    ];

    test('first run delivers the tree: content, owner, group, mode, mtime, symlinks, hostile names', async () => {
      const newcomer = lab.nodes[3] as string;
      const run = await runCli(args('-x', newcomer));
      assert.equal(run.status, 0, run.stderr);
      const r = report();
      assert.equal(r.ok, true);
      assert.deepEqual(Object.values(hostStatus(r)), ['ok', 'ok', 'ok']);
      for (const node of lab.nodes.slice(0, 3)) {
        for (const p of paths)
          assert.deepEqual(onNode(node, p), inSource(p), `${node}: ${JSON.stringify(p)}`);
        assert.equal(onNode(node, 'shadow')?.owner, '0:42');
        assert.equal(onNode(node, 'shadow')?.mode, '640');
        assert.equal(onNode(node, 'suid-tool')?.mode, '4755');
        assert.equal(onNode(node, 'localtime')?.type, 'symlink');
        // built-in excludes: node identity and editor files stay home
        assert.equal(onNode(node, 'ssh/ssh_host_ed25519_key'), undefined);
        assert.equal(onNode(node, '.passwd.swp'), undefined);
        // nothing from a name was ever run by a shell, on the node or here
        for (const dir of ['/tmp', '/root', DEST, `${DEST}/hostile`]) {
          assert.equal(existsSync(lab.path(node, `${dir}/pwned`)), false);
          assert.equal(existsSync(lab.path(node, `${dir}/pwned2`)), false);
        }
        assert.deepEqual(leftovers(lab, node), [], `${node}: temp files left behind`);
      }
      assert.equal(existsSync('pwned'), false);
    });

    test('a node newly added to the list gets everything (the dry run shows it first); the others are not contacted', async () => {
      const newcomer = lab.nodes[3] as string;
      const logins = acceptedLogins();
      const dry = await runCli(args('--dry-run', '--report', '-'));
      assert.equal(dry.status, 0, dry.stderr);
      const plan = JSON.parse(dry.stdout) as RunReport;
      assert.equal(plan.dryRun, true);
      assert.deepEqual(
        hostStatus(plan),
        Object.fromEntries(lab.nodes.map((n) => [n, n === newcomer ? 'planned' : 'unchanged'])),
      );
      assert.ok(plan.changes.some((c) => c.path === 'ssh/sshd_config' && c.op === 'write'));
      assert.match(dry.stderr, new RegExp(`${newcomer} \\(1 host, never synced\\): \\d+ changes`));
      assert.deepEqual(acceptedLogins(), logins, 'a dry run touches no node');
      assert.equal(onNode(newcomer, 'passwd'), undefined);

      const run = await runCli(args());
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(
        hostStatus(report()),
        Object.fromEntries(lab.nodes.map((n) => [n, n === newcomer ? 'ok' : 'unchanged'])),
      );
      for (const p of paths)
        assert.deepEqual(onNode(newcomer, p), inSource(p), `${newcomer}: ${JSON.stringify(p)}`);
    });

    test('a second run with no change contacts no node', async () => {
      const before = acceptedLogins();
      const run = await runCli(args());
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(Object.values(hostStatus(report())), [
        'unchanged',
        'unchanged',
        'unchanged',
        'unchanged',
      ]);
      assert.deepEqual(acceptedLogins(), before);
    });

    test(
      transport === 'ssh'
        ? 'a lost state dir: nodes already in sync are looked at, not rewritten (quick check); --ignore-times rewrites'
        : 'a lost state dir: pdcp cannot look at the nodes, so everything is sent again',
      async () => {
        const inode = (node: string, p: string) => lstatSync(lab.path(node, join(DEST, p))).ino;
        const watched = ['passwd', 'shadow', 'localtime', 'ssh', 'hostile/new\nline'];
        const inodes = () => lab.nodes.map((n) => watched.map((p) => inode(n, p)));
        const drifted = lab.nodes[0] as string;
        // someone edited a node by hand: another size, so the quick check sees it
        await writeFile(lab.path(drifted, join(DEST, 'shadow')), 'root:$6$edited-by-hand:19700::::::\n');
        const before = inodes();
        let run = await runCli(args('--state-dir', join(work, 'state-lost')));
        assert.equal(run.status, 0, run.stderr);
        let r = report();
        const changes = r.changes.length;
        assert.ok(changes >= paths.length, `${changes} changes: first contact plans the whole tree`);
        for (const node of lab.nodes) assert.deepEqual(onNode(node, 'shadow'), inSource('shadow'), node);
        if (transport === 'ssh') {
          assert.deepEqual(
            r.hosts.map((h) => [h.host, h.status, h.sent, h.inPlace]),
            lab.nodes.map((n) => (n === drifted ? [n, 'ok', 1, changes - 1] : [n, 'unchanged', 0, changes])),
          );
          const after = inodes();
          lab.nodes.forEach((node, i) =>
            watched.forEach((p, j) =>
              assert.equal(
                after[i]?.[j] === before[i]?.[j],
                !(node === drifted && p === 'shadow'),
                `${node}: ${JSON.stringify(p)} rewritten?`,
              ),
            ),
          );
          run = await runCli(args('--state-dir', join(work, 'state-lost-2'), '--ignore-times'));
          assert.equal(run.status, 0, run.stderr);
          r = report();
          assert.deepEqual(
            Object.values(hostStatus(r)),
            lab.nodes.map(() => 'ok'),
          );
          assert.ok(r.hosts.every((h) => h.inPlace === undefined && h.sent === changes));
        } else {
          assert.deepEqual(
            Object.values(hostStatus(r)),
            lab.nodes.map(() => 'ok'),
          );
          assert.ok(r.hosts.every((h) => h.inPlace === undefined));
        }
        const rewritten = inodes();
        for (const [i, node] of lab.nodes.entries()) {
          assert.notEqual(rewritten[i]?.[0], before[i]?.[0], `${node}: passwd sent again`);
          assert.deepEqual(leftovers(lab, node), []);
        }
      },
    );

    test('edits and deletions propagate; --no-delete keeps files on the nodes', async () => {
      await writeFile(join(src, 'ssh/sshd_config'), 'PermitRootLogin no\n');
      await unlink(join(src, 'dangling'));
      let run = await runCli(args('--no-delete'));
      assert.equal(run.status, 0, run.stderr);
      for (const node of lab.nodes) {
        assert.deepEqual(onNode(node, 'ssh/sshd_config'), inSource('ssh/sshd_config'));
        assert.equal(onNode(node, 'dangling')?.type, 'symlink', '--no-delete keeps it');
      }
      run = await runCli(args());
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(report().changes, [{ path: 'dangling', op: 'delete' }]);
      for (const node of lab.nodes) assert.equal(onNode(node, 'dangling'), undefined);
    });

    for (const mode of ['sshd', 'freeze', 'link', 'drop', 'ro', 'full'] as const) {
      test(`fault "${mode}" on one node: reported with its class, exit 1, the others converge; after heal only it is sent`, async () => {
        const victim = lab.nodes[2] as string;
        const old = onNode(victim, 'passwd');
        // big enough that a full disk cannot take it even in already-allocated blocks
        const content = `root:x:0:0:root:/root:/bin/bash\n# ${mode}\n${'x'.repeat(64 * 1024)}\n`;
        await writeFile(join(src, 'passwd'), content);
        lab.fail(victim, mode);
        let run;
        try {
          run = await runCli(args());
        } finally {
          if (mode === 'full' || mode === 'ro') {
            // the file already on the node is intact, and nothing half-written was left behind
            assert.deepEqual(onNode(victim, 'passwd'), old);
            assert.deepEqual(leftovers(lab, victim), []);
          }
          lab.heal(victim);
        }
        assert.equal(run.status, 1, run.stderr);
        const failed = report().hosts.filter((h) => h.status === 'failed');
        assert.deepEqual(
          failed.map((h) => h.host),
          [victim],
        );
        assert.ok(
          EXPECTED_CLASS[mode].includes(failed[0]?.error?.class ?? ''),
          `${mode}: got ${JSON.stringify(failed[0]?.error)}`,
        );
        assert.ok((failed[0]?.error?.message ?? '').length > 0);
        assert.match(run.stderr, new RegExp(`failed: ${victim}`));
        for (const node of lab.nodes.filter((n) => n !== victim))
          assert.deepEqual(onNode(node, 'passwd'), inSource('passwd'));

        run = await runCli(args());
        assert.equal(run.status, 0, run.stderr);
        const status = hostStatus(report());
        assert.equal(status[victim], 'ok');
        for (const node of lab.nodes.filter((n) => n !== victim)) assert.equal(status[node], 'unchanged');
        assert.deepEqual(onNode(victim, 'passwd'), inSource('passwd'));
      });
    }

    test('a node with room for the small files of a batch but not the big one gets none of the batch', async () => {
      const victim = lab.nodes[1] as string;
      const others = lab.nodes.filter((n) => n !== victim);
      await writeFile(join(src, 'group'), 'root:x:0:\nnewgroup:x:4242:\n');
      await writeFile(join(src, 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 'all or nothing '));
      const before = onNode(victim, 'group');
      // 256 KiB of room: enough for group's temp, not for big.bin's
      lab.exec(victim, ['dd', 'if=/dev/zero', 'of=/srv/room', 'bs=64k', 'count=4', 'status=none']);
      lab.fail(victim, 'full');
      lab.exec(victim, ['rm', '-f', '/srv/room']);
      let run;
      try {
        run = await runCli(args());
        assert.equal(run.status, 1, run.stderr);
        assert.deepEqual(
          onNode(victim, 'group'),
          before,
          'the small file of the batch was not installed alone',
        );
        assert.equal(onNode(victim, 'big.bin'), undefined);
        assert.deepEqual(leftovers(lab, victim), []);
        assert.equal(report().hosts.find((h) => h.host === victim)?.error?.class, 'remote-io');
      } finally {
        lab.heal(victim);
      }
      for (const node of others) assert.deepEqual(onNode(node, 'group'), inSource('group'), node);
      run = await runCli(args());
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(onNode(victim, 'group'), inSource('group'));
      assert.deepEqual(onNode(victim, 'big.bin'), inSource('big.bin'));
      await unlink(join(src, 'big.bin'));
      assert.equal((await runCli(args())).status, 0);
    });

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const status = signal === 'SIGINT' ? 130 : 143;
      test(`${signal} mid-push: exit ${status}, no temp or stage left on any node or here; the next run delivers`, async () => {
        await writeFile(join(src, 'big.bin'), Buffer.alloc(96 * 1024 * 1024, signal));
        const started = startCli(args('--retries', '3'));
        // stop it once the copy is under way: a temp (ssh) or a remote stage (pdcp) is on a node
        const deadline = Date.now() + 20_000;
        while (!lab.nodes.some((n) => leftovers(lab, n).length > 0) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 2));
        }
        started.kill(signal);
        const run = await started.done;
        assert.equal(run.status, status, run.stderr);
        assert.match(run.stderr, new RegExp(`${signal}: stopping`));
        assert.doesNotMatch(run.stderr, /retry \d/, 'a stopped run does not retry');
        const stopped = report().hosts.filter((h) => h.status !== 'ok');
        assert.ok(stopped.length > 0, 'the signal came before every host had it');
        for (const h of stopped) assert.equal(h.error?.code, 'aborted', JSON.stringify(h));
        for (const node of lab.nodes) {
          assert.deepEqual(leftovers(lab, node), [], `${node}: temp files or stage left behind`);
          const there = onNode(node, 'big.bin');
          assert.ok(
            there === undefined || there.content === inSource('big.bin')?.content,
            `${node}: a whole file or none`,
          );
        }
        for (const job of readdirSync(join(work, 'state'))) {
          const stage = join(work, 'state', job, 'stage');
          assert.deepEqual(existsSync(stage) ? readdirSync(stage) : [], [], 'the local stage is removed');
        }

        // what a kill -9 would have left: the next run of the job removes it
        const [job] = readdirSync(join(work, 'state'));
        const stale = join(work, 'state', job ?? '', 'stage', 'killed-batch');
        await mkdir(stale, { recursive: true });
        await writeFile(join(stale, 'copy'), 'a frozen copy of a killed batch');
        const again = await runCli(args());
        assert.equal(again.status, 0, again.stderr);
        assert.equal(existsSync(stale), false, 'a stale stage is removed');
        for (const node of lab.nodes) assert.deepEqual(onNode(node, 'big.bin'), inSource('big.bin'), node);
        await unlink(join(src, 'big.bin'));
        assert.equal((await runCli(args())).status, 0);
      });
    }

    if (transport === 'ssh') {
      test('a link lost mid-write leaves the temp file on the node; the next run removes it, whichever process it is', async () => {
        const victim = lab.nodes[1] as string;
        const others = lab.nodes.filter((n) => n !== victim).join(',');
        const destOnVictim = lab.path(victim, DEST);
        const bigTemps = (): string[] =>
          existsSync(destOnVictim)
            ? readdirSync(destOnVictim).filter((n) => n.startsWith('.big.bin.clsync-hpc.'))
            : [];
        await writeFile(join(src, 'big.bin'), Buffer.alloc(96 * 1024 * 1024, 'clsync-hpc '));
        const running = runCli(args('-x', others, '--command-timeout', '5'));
        // cut the node's link as soon as the temp appears: the connection then dies with it half
        // written, and the unlink cannot be sent either
        const deadline = Date.now() + 20_000;
        while (bigTemps().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
        lab.fail(victim, 'link');
        let run;
        try {
          run = await running;
        } finally {
          lab.heal(victim);
        }
        assert.equal(run.status, 1, run.stderr);
        assert.equal(report().hosts.find((h) => h.host === victim)?.error?.class, 'timeout');
        assert.equal(onNode(victim, 'big.bin'), undefined, 'never renamed into place');
        assert.equal(bigTemps().length, 1, 'the node kept the temp (the unlink could not be sent)');

        run = await runCli(args('-x', others));
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(bigTemps(), [], 'the next run removed it first');
        assert.deepEqual(leftovers(lab, victim), []);
        assert.deepEqual(onNode(victim, 'big.bin'), inSource('big.bin'));

        await unlink(join(src, 'big.bin'));
        run = await runCli(args('-x', others));
        assert.equal(run.status, 0, run.stderr);
        assert.equal(onNode(victim, 'big.bin'), undefined);
      });
    }

    if (transport === 'pdcp') {
      test('kill -9 while pdcp copies: the local work dir is in the state dir, and the next push clears it and the stages on the nodes', async () => {
        const tmp = join(work, 'TMPDIR');
        await mkdir(tmp, { recursive: true });
        const env = { ...process.env, TMPDIR: tmp };
        await writeFile(join(src, 'big.bin'), Buffer.alloc(96 * 1024 * 1024, 'kill -9 '));
        const started = startCli(args(), env);
        const deadline = Date.now() + 20_000;
        while (!lab.nodes.some((n) => leftovers(lab, n).length > 0) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 2));
        }
        started.kill('SIGKILL');
        await started.done; // pdcp outlives us: its stage reaches the nodes, and is never applied
        const [job] = readdirSync(join(work, 'state'));
        const stageRoot = join(work, 'state', job ?? '', 'stage');
        assert.ok(
          readdirSync(stageRoot).some((n) => n.startsWith('pdcp-')),
          'the killed push left its work dir in the state dir',
        );
        assert.deepEqual(readdirSync(tmp), [], 'nothing in TMPDIR');
        const stranded = lab.nodes.flatMap((n) => leftovers(lab, n));
        assert.ok(
          stranded.length > 0 &&
            stranded.every((p) => /\/tmp\/\.clsync-hpc\.[0-9a-f]{10}\.\w+\.[0-9a-f]{12}$/.test(p)),
          stranded.join(' '),
        );

        const again = await runCli(args(), env);
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual(
          existsSync(stageRoot) ? readdirSync(stageRoot) : [],
          [],
          'the local work dir and stage are gone',
        );
        assert.deepEqual(readdirSync(tmp), []);
        for (const node of lab.nodes) {
          assert.deepEqual(
            leftovers(lab, node),
            [],
            `${node}: the killed run's stage was removed by the next apply`,
          );
          assert.deepEqual(onNode(node, 'big.bin'), inSource('big.bin'), node);
        }
        await unlink(join(src, 'big.bin'));
        assert.equal((await runCli(args(), env)).status, 0);
      });
    }
  });
}

/** Temp names of ours left on a node: `.name.clsync-hpc.*` anywhere under DEST, stage dirs in /tmp. */
function leftovers(lab: Lab, node: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.includes('clsync-hpc')) found.push(join(dir, name));
      const full = join(dir, name);
      if (describeObject(full)?.type === 'dir') walk(full);
    }
  };
  walk(lab.path(node, DEST));
  walk(lab.path(node, '/tmp'));
  return found;
}
