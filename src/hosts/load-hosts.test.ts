import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HostlistParseError, UsageError } from '../errors.js';
import { loadHosts, MAX_HOSTS_TOTAL } from './load-hosts.js';
import { MAX_HOSTS_PER_EXPRESSION } from './parse-hostlist.js';

describe('loadHosts', () => {
  let dir = '';
  let nodes = '';
  let login = '';
  let empty = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clsync-hpc-hosts-'));
    nodes = join(dir, 'nodes.txt');
    login = join(dir, 'login.txt');
    empty = join(dir, 'empty.txt');
    await writeFile(nodes, '# compute\nnode[01-04]\n');
    await writeFile(login, 'login1 node02\r\n');
    await writeFile(empty, '# nothing here yet\n\n');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('joins files then -w expressions in order, without duplicates', async () => {
    const hosts = await loadHosts({
      files: [nodes, login],
      inline: ['gpu[1-2]-ib,node01', 'mgmt'],
      exclude: [],
    });
    assert.deepEqual(hosts, ['node01', 'node02', 'node03', 'node04', 'login1', 'gpu1-ib', 'gpu2-ib', 'mgmt']);
  });

  it("pdsh's -w ^FILE and -x ^FILE: the hosts listed in FILE, errors with file:line", async () => {
    assert.deepEqual(await loadHosts({ files: [], inline: ['mgmt', `^${nodes}`], exclude: [`^${login}`] }), [
      'mgmt',
      'node01',
      'node03',
      'node04',
    ]);
    const bad = join(dir, 'bad.txt');
    await writeFile(bad, 'node01\nnode[x-y]\n');
    await assert.rejects(
      loadHosts({ files: [], inline: [`^${bad}`], exclude: [] }),
      (e: unknown) => e instanceof HostlistParseError && e.message.startsWith(`${bad}:2:`),
    );
    await assert.rejects(
      loadHosts({ files: [], inline: ['n1'], exclude: [`^${join(dir, 'missing')}`] }),
      (e: unknown) =>
        e instanceof UsageError && e.message === `-x ^${join(dir, 'missing')}: No such file or directory`,
    );
    await assert.rejects(
      loadHosts({ files: [], inline: ['^'], exclude: [] }),
      (e: unknown) => e instanceof UsageError && /a file name must follow the \^/.test(e.message),
    );
    await assert.rejects(
      loadHosts({ files: [], inline: [`^${empty}`], exclude: [] }),
      (e: unknown) => e instanceof UsageError && e.message.includes(`${empty} lists no host`),
    );
  });

  it('applies -x exclusions in hostlist syntax, to files and -w alike', async () => {
    const hosts = await loadHosts({
      files: [nodes],
      inline: ['login[1-2]'],
      exclude: ['node[02-03]', 'login2,absent1'],
    });
    assert.deepEqual(hosts, ['node01', 'node04', 'login1']);
  });

  it('works with -w alone', async () => {
    assert.deepEqual(await loadHosts({ files: [], inline: ['n[1-2]'], exclude: [] }), ['n1', 'n2']);
  });

  it('names the path and the OS reason for a missing file', async () => {
    const missing = join(dir, 'nope.txt');
    await assert.rejects(loadHosts({ files: [missing], inline: [], exclude: [] }), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message, `-H/--hosts-file ${missing}: No such file or directory`);
      return true;
    });
  });

  it('names the path for a directory', async () => {
    const sub = join(dir, 'sub');
    await mkdir(sub);
    await assert.rejects(loadHosts({ files: [sub], inline: [], exclude: [] }), {
      name: 'UsageError',
      message: `-H/--hosts-file ${sub}: Is a directory`,
    });
  });

  it('names the path for an unreadable file (skipped as root, who reads everything)', async (t) => {
    if (process.getuid?.() === 0) {
      t.skip('root bypasses file permissions');
      return;
    }
    const secret = join(dir, 'secret.txt');
    await writeFile(secret, 'n1\n');
    await chmod(secret, 0o000);
    await assert.rejects(loadHosts({ files: [secret], inline: [], exclude: [] }), {
      message: `-H/--hosts-file ${secret}: Permission denied`,
    });
  });

  it('reports parse errors with file:line, -w or -x', async () => {
    const bad = join(dir, 'bad.txt');
    await writeFile(bad, 'node[01-04]\n\nnode[5-1]\n');
    await assert.rejects(loadHosts({ files: [bad], inline: [], exclude: [] }), (error: unknown) => {
      assert.ok(error instanceof HostlistParseError);
      assert.equal(error.message, `${bad}:3: reversed range '5-1' (start after end): "node[5-1]"`);
      return true;
    });
    await assert.rejects(loadHosts({ files: [], inline: ['n1', 'n[01-0'], exclude: [] }), {
      message: `-w: unclosed '[': "n[01-0"`,
    });
    await assert.rejects(loadHosts({ files: [], inline: ['n1'], exclude: ['n1,,n2'] }), {
      message: `-x: empty item in a comma list: "n1,,n2"`,
    });
  });

  it(`refuses more than ${MAX_HOSTS_TOTAL} hosts in one run`, async () => {
    const inline = Array.from({ length: 11 }, (_, i) => `r${i}n[1-${MAX_HOSTS_PER_EXPRESSION}]`);
    await assert.rejects(loadHosts({ files: [], inline, exclude: [] }), {
      name: 'UsageError',
      message: 'too many hosts: 1100000 (at most 1000000 per run)',
    });
  });

  it('loads a file of 300,000 hosts (no push(...spread) overflowing the stack)', async () => {
    const big = join(dir, 'big.txt');
    await writeFile(big, Array.from({ length: 300_000 }, (_, i) => `n${i}`).join('\n'));
    const hosts = await loadHosts({ files: [big], inline: [], exclude: [] });
    assert.equal(hosts.length, 300_000);
  });

  it('refuses an empty result: a file with comments only', async () => {
    await assert.rejects(loadHosts({ files: [empty], inline: [], exclude: [] }), {
      name: 'UsageError',
      message: `no hosts: ${empty} lists no host (only comments or blank lines)`,
    });
  });

  it('refuses an empty result: everything excluded', async () => {
    await assert.rejects(loadHosts({ files: [nodes], inline: [], exclude: ['node[01-04]'] }), {
      name: 'UsageError',
      message: 'no hosts: all 4 listed hosts are excluded by -x',
    });
  });

  it('refuses an empty result: no sources at all', async () => {
    await assert.rejects(loadHosts({ files: [], inline: [], exclude: [] }), {
      message: 'no hosts: give -H/--hosts-file FILE or -w/--hosts EXPR',
    });
  });
});
