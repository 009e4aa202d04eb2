// The real binary, fast: input errors (exit 2, file:line, nothing sent), help, and a whole
// one-shot run through the local transport (each host = a directory), no ssh needed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
// The installed binary (the bundle launcher): from dist/src/cli (built) it is beside this file;
// from src/cli (tsx) it is in dist
const bin = here.includes(`${join('dist', 'src')}`)
  ? join(here, 'launch.cjs')
  : resolve(here, '../../dist/src/cli/launch.cjs');

function cli(args: readonly string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('clsync-hpc CLI', () => {
  let work: string;
  let src: string;
  let root: string;
  let hosts: string;
  const base = () => [
    '-W',
    src,
    '-D',
    '/srv/etc',
    '-H',
    hosts,
    '--transport',
    'local',
    '--local-root',
    root,
    '--state-dir',
    join(work, 'state'),
    '--once',
  ];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'clsync-cli-'));
    src = join(work, 'etc');
    root = join(work, 'nodes');
    hosts = join(work, 'nodes.txt');
    await mkdir(join(src, 'ssh'), { recursive: true });
    await mkdir(root);
    await writeFile(join(src, 'passwd'), 'root:x:0:0::/root:/bin/bash\n');
    await writeFile(join(src, 'ssh', 'sshd_config'), 'PermitRootLogin no\n');
    await writeFile(join(src, 'motd'), 'not in the rules\n');
    await writeFile(hosts, '# test nodes\nn[1-3]\n');
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('--help explains usage and exit statuses, exit 0', () => {
    const run = cli(['--help']);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /--watch-dir/);
    assert.match(run.stdout, /Exit status:/);
    assert.match(run.stdout, /nothing was sent/);
  });

  test('--version prints the version, exit 0', () => {
    const run = cli(['--version']);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^\d+\.\d+\.\d+/);
  });

  test('bad invocations exit 2 with a clear message and send nothing', async () => {
    const cases: [string[], RegExp][] = [
      [[], /--watch-dir is required/],
      [['-W', join(work, 'nope'), '-w', 'n1'], /nope: No such file or directory/],
      [['-W', src], /no hosts/],
      [[...base(), '--fanout', 'many'], /--fanout: expected a whole number/],
      [[...base(), '--connect-timeout', '-1'], /--connect-timeout/],
      [[...base(), '--bogus'], /unknown option '--bogus'/],
      [[...base(), '--transport', 'rsh'], /argument 'rsh' is invalid/],
      [['-W', src, '-w', 'n1', '-D', '/'], /-D\/--destination-dir \/ is refused/],
    ];
    for (const [args, message] of cases) {
      const run = cli(args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
    assert.deepEqual(await readdir(root), []);
  });

  test('a rules typo is reported as file:line, exit 2, nothing sent', async () => {
    const rules = join(work, 'bad.rules');
    await writeFile(rules, '+f^passwd$\n+q^group$\n-*');
    const run = cli([...base(), '-R', rules]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`${rules}:2:`));
    assert.deepEqual(await readdir(root), []);
  });

  test('a host list typo is reported as file:line, exit 2, nothing sent', async () => {
    const badHosts = join(work, 'bad-nodes.txt');
    await writeFile(badHosts, 'n1\n\n# ok so far\nnode[01-0\n');
    const run = cli([...base(), '-H', badHosts]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`${badHosts}:4:`));
    assert.deepEqual(await readdir(root), []);
  });

  test('dry run prints the plan per host group and writes nothing', async () => {
    const rules = join(work, 'ok.rules');
    await writeFile(rules, '+f^passwd$\n+f^ssh/sshd_config$\n-*\n');
    const run = cli([...base(), '-R', rules, '--dry-run']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /n\[1-3\] \(3 hosts, never synced\): 3 changes/);
    assert.match(run.stdout, /write\s+passwd/);
    assert.match(run.stdout, /mkdir\s+ssh/);
    assert.doesNotMatch(run.stdout, /motd/);
    assert.deepEqual(await readdir(root), []);
  });

  test('one-shot run with rules: every host gets the permitted files, JSON report on stdout', async () => {
    const rules = join(work, 'ok.rules');
    const run = cli([...base(), '-R', rules, '--report', '-']);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      hosts: { host: string; status: string }[];
      changes: unknown[];
    };
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.hosts.map((h) => `${h.host}:${h.status}`),
      ['n1:ok', 'n2:ok', 'n3:ok'],
    );
    for (const host of ['n1', 'n2', 'n3']) {
      assert.equal(readFileSync(join(root, host, 'srv/etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/bash\n');
      assert.equal(readFileSync(join(root, host, 'srv/etc/ssh/sshd_config'), 'utf8'), 'PermitRootLogin no\n');
      assert.equal(existsSync(join(root, host, 'srv/etc/motd')), false);
    }
    const again = cli([...base(), '-R', rules, '--report', '-']);
    assert.equal(again.status, 0);
    assert.ok(
      (JSON.parse(again.stdout) as { hosts: { status: string }[] }).hosts.every(
        (h) => h.status === 'unchanged',
      ),
    );
  });

  test('dry run of the example accounts rules on the demo tree: exactly the account files', () => {
    const repo = resolve(here, here.includes(`${join('dist', 'src')}`) ? '../../..' : '../..');
    const run = cli([
      '-W',
      join(repo, 'test/fixtures/demo-etc'),
      '-R',
      join(repo, 'rules/hpc-accounts.rules'),
      '-w',
      'node[01-04]',
      '--transport',
      'local',
      '--local-root',
      root,
      '--state-dir',
      join(work, 'demo-state'),
      '--dry-run',
      '--report',
      '-',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const plan = JSON.parse(run.stdout) as {
      changes: { path: string; op: string }[];
      hosts: { status: string }[];
    };
    assert.deepEqual(plan.changes.map((c) => `${c.op} ${c.path}`).sort(), [
      'write group',
      'write gshadow',
      'write passwd',
      'write shadow',
    ]);
    assert.equal(plan.hosts.length, 4);
    assert.ok(plan.hosts.every((h) => h.status === 'planned'));
    assert.match(run.stderr, /node\[01-04\] \(4 hosts, never synced\): 4 changes/);
  });

  test('daemon with --exit-on-no-events: initial sync, then exits when quiet (local transport)', async () => {
    const rules = join(work, 'ok.rules');
    const args = base().filter((a) => a !== '--once');
    const run = cli([...args, '-R', rules, '-l', 'live', '--exit-on-no-events', '--delay-collect', '0']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /watching/);
    for (const host of ['n1', 'n2', 'n3']) assert.ok(existsSync(join(root, host, 'srv/etc/ssh/sshd_config')));
  });

  test('rules check names the deciding rule', async () => {
    const rules = join(work, 'ok.rules');
    const run = cli(['rules', 'check', '-R', rules, '-W', src, 'passwd', 'motd', 'ssh']);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /passwd.*ok\.rules:1/);
    assert.match(lines[1] ?? '', /motd.*ok\.rules:3/);
    assert.match(lines[2] ?? '', /ssh/);
  });
});
