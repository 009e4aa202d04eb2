// 64 lab nodes: a one-shot of 50 files converges everywhere with the ssh transport, and in watch
// mode a second batch opens no new connection (counted on the nodes: sshd logs one
// "Accepted publickey" per connection).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunReport } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { startDaemon, waitFor } from '../helpers/daemon.js';
import { labUnavailableReason, startLab, type Lab } from '../helpers/lab.js';
import { describeObject, makeTree } from '../helpers/tree.js';

const skip = labUnavailableReason();
const NODES = 64;

describe(`${NODES} nodes, ssh transport`, { skip, timeout: 900_000 }, () => {
  let lab: Lab;
  let work: string;
  let src: string;
  let hostsFile: string;
  const files = Array.from({ length: 50 }, (_, i) => `conf.d/f${String(i).padStart(2, '0')}.conf`);
  const logins = () =>
    lab.nodes.map(
      (n) =>
        (
          readFileSync(join(lab.dir, 'nodes', n, 'sys', 'sshd.log'), 'utf8').match(/Accepted publickey/g) ??
          []
        ).length,
    );
  const same = (node: string, dest: string, path: string) =>
    JSON.stringify(describeObject(lab.path(node, join(dest, path)))) ===
    JSON.stringify(describeObject(join(src, path)));

  before(async () => {
    lab = startLab(NODES, 5);
    work = await mkdtemp(join(tmpdir(), 'clsync-scale-'));
    src = join(work, 'etc');
    hostsFile = join(work, 'nodes.txt');
    await writeFile(hostsFile, `${lab.range}\n`);
    await makeTree(
      src,
      files.map((path, i) => ({ path, content: `${i} ${'x'.repeat(2000)}\n` })),
    );
  });
  after(async () => {
    lab?.down();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  test('one-shot of 50 files: every node converges', async () => {
    const run = await runCli(
      [
        '-W',
        src,
        '-D',
        '/srv/scale',
        '-H',
        hostsFile,
        '--ssh-config',
        lab.sshConfig,
        '--state-dir',
        join(work, 'once'),
        '--transport',
        'ssh',
        '--once',
        '--report',
        '-',
        '-f',
        '64',
      ],
      lab.env,
      600_000,
    );
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as RunReport;
    assert.equal(report.hosts.filter((h) => h.status === 'ok').length, NODES);
    for (const node of lab.nodes)
      for (const f of files) assert.ok(same(node, '/srv/scale', f), `${node}: ${f}`);
  });

  test('watch mode: a second batch opens no new connection', async () => {
    const daemon = startDaemon(
      [
        '-W',
        src,
        '-D',
        '/srv/scale-live',
        '-H',
        hostsFile,
        '--ssh-config',
        lab.sshConfig,
        '--state-dir',
        join(work, 'live'),
        '--transport',
        'ssh',
        '--delay-collect',
        '0',
        '-f',
        '64',
      ],
      lab.env,
    );
    try {
      await daemon.waitForLog(/watching/, 600_000);
      await writeFile(join(src, files[0] as string), 'first batch\n');
      await waitFor(
        () => lab.nodes.every((n) => same(n, '/srv/scale-live', files[0] as string)),
        60_000,
        daemon.log,
      );
      const before = logins();
      await writeFile(join(src, files[1] as string), 'second batch\n');
      await waitFor(
        () => lab.nodes.every((n) => same(n, '/srv/scale-live', files[1] as string)),
        60_000,
        daemon.log,
      );
      assert.deepEqual(logins(), before, 'no node saw a new ssh connection');
    } finally {
      await daemon.stop();
    }
  });
});
