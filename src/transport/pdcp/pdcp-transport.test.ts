// The pdcp transport's orchestration with fake pdcp/pdsh (test/fixtures/pdcp/bin: each host is a
// directory, faults injected per host): two invocations per push, failed hosts are not sent the
// apply step, half-copied stages are removed, a host is ok only with apply.sh's OK line.
// The real pdcp/pdsh/sshd run in test/integration/transport-pdcp.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';
import { BatchBuilder } from '../../../test/fixtures/pdcp/batch-builder.js';
import { TransportError } from '../../errors.js';
import type { ConnectionSettings, HostResult } from '../../types.js';
import { checkPdcpAvailable, createPdcpTransport } from './pdcp-transport.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here.replace(/([/\\])dist([/\\])src([/\\])/, '$1src$3'), '../../../test/fixtures/pdcp/bin');
const tools = { pdcpPath: join(bin, 'pdcp'), pdshPath: join(bin, 'pdsh') };
const settings: ConnectionSettings = {
  identityFiles: [],
  acceptNewHostKeys: false,
  user: 'root',
  connectTimeoutMs: 2_000,
  operationTimeoutMs: 30_000,
};
const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const FAKE_KEYS = ['FAKE_DOWN', 'FAKE_FULL', 'FAKE_NO_PDCP', 'FAKE_SILENT', 'FAKE_PDCP_EXIT', 'FAKE_STRIP'];

let work: string;
let n = 0;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'clsync-pdcp-test-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});
afterEach(() => {
  for (const key of [...FAKE_KEYS, 'FAKE_PDSH_ROOT', 'FAKE_PDSH_LOG']) delete process.env[key];
});

/** A fresh fake cluster; faults as FAKE_* lists. */
function cluster(faults: Partial<Record<(typeof FAKE_KEYS)[number], string>> = {}) {
  const root = join(work, `cluster${++n}`);
  mkdirSync(root);
  const log = join(root, 'invocations.log');
  Object.assign(process.env, { FAKE_PDSH_ROOT: root, FAKE_PDSH_LOG: log, ...faults });
  return {
    root,
    on: (host: string, path: string) => join(root, host, 'etc', path),
    /** argv of every pdcp/pdsh run, with the hosts each one was given */
    runs: () =>
      readFileSync(log, 'utf8')
        .split('==end\n')
        .filter(Boolean)
        .map((block) => {
          const [tool, ...lines] = block.trimEnd().split('\n');
          const hosts = (lines.pop() ?? '')
            .replace(/^hosts: /, '')
            .trim()
            .split(' ');
          return {
            tool,
            argv: lines,
            hosts,
            kind: lines.at(-1)?.endsWith('/apply.sh') ? 'apply' : lines.includes('rm') ? 'cleanup' : 'copy',
          };
        }),
    batch: () => new BatchBuilder(join(work, 'staged'), `b${n}`, '/etc'),
  };
}

const summary = (results: HostResult[]) =>
  results.map((r) => [r.host, r.ok ? 'ok' : `${r.error?.class}${r.error?.code ? `/${r.error.code}` : ''}`]);

describe('pdcp transport with fake pdcp/pdsh', () => {
  test('one pdcp round and one pdsh round for the whole batch; no name on any command line; stages removed', async () => {
    const { on, runs, batch, root } = cluster();
    const b = await batch()
      .mkdir('d', { mode: 0o750, ...me })
      .write('d/$(touch pwned) x', { content: 'x\n', mode: 0o600, ...me })
      .write('passwd', { content: 'p\n', ...me })
      .symlink('l', 'passwd', me)
      .build();
    const done: string[] = [];
    const results = await createPdcpTransport(settings, tools).push(b, ['n1', 'n2', 'n3'], {
      fanout: 8,
      onHostDone: (r) => done.push(r.host),
    });
    assert.deepEqual(summary(results), [
      ['n1', 'ok'],
      ['n2', 'ok'],
      ['n3', 'ok'],
    ]);
    assert.deepEqual(done.sort(), ['n1', 'n2', 'n3']);
    const [copy, apply, ...rest] = runs();
    assert.deepEqual([copy?.tool, copy?.kind, copy?.hosts], ['pdcp', 'copy', ['n1', 'n2', 'n3']]);
    assert.deepEqual([apply?.tool, apply?.kind, apply?.hosts], ['pdsh', 'apply', ['n1', 'n2', 'n3']]);
    assert.deepEqual(rest, []);
    assert.match(
      apply?.argv.slice(-2).join(' ') ?? '',
      /^sh \/tmp\/\.clsync-hpc\.b\d+\.[0-9a-f]{12}\/apply\.sh$/,
    );
    for (const run of runs())
      assert.ok(!run.argv.join(' ').includes('pwned') && !run.argv.join(' ').includes('passwd'));
    for (const host of ['n1', 'n2', 'n3']) {
      assert.equal(readFileSync(on(host, 'd/$(touch pwned) x'), 'utf8'), 'x\n');
      assert.deepEqual(readdirSync(join(root, host, 'tmp')), [], 'stage removed by apply.sh');
    }
  });

  test('a host that did not get the stage is not sent the apply step; its class comes from pdcp stderr', async () => {
    const { runs, batch } = cluster({ FAKE_DOWN: 'n2', FAKE_NO_PDCP: 'n3' });
    const results = await createPdcpTransport(settings, tools).push(
      await batch()
        .write('a', { content: 'a', ...me })
        .build(),
      ['n1', 'n2', 'n3'],
      { fanout: 8 },
    );
    assert.deepEqual(summary(results), [
      ['n1', 'ok'],
      ['n2', 'unreachable'],
      ['n3', 'other/remote-pdcp-missing'],
    ]);
    assert.match(results[1]?.error?.message ?? '', /^ssh: connect to host n2 port 22: Connection refused$/);
    assert.match(results[2]?.error?.message ?? '', /\/usr\/bin\/pdcp: No such file or directory/);
    assert.deepEqual(
      runs().map((r) => [r.kind, r.hosts]),
      [
        ['copy', ['n1', 'n2', 'n3']],
        ['apply', ['n1']],
      ],
    );
  });

  test('a half-copied stage (ENOSPC in pdcp) is removed by a cleanup round; the old file is untouched', async () => {
    const { root, on, runs, batch } = cluster({ FAKE_FULL: 'n2' });
    const results = await createPdcpTransport(settings, tools).push(
      await batch()
        .write('a', { content: 'a', ...me })
        .build(),
      ['n1', 'n2'],
      { fanout: 8 },
    );
    assert.deepEqual(summary(results), [
      ['n1', 'ok'],
      ['n2', 'remote-io'],
    ]);
    assert.match(
      results[1]?.error?.message ?? '',
      /^\/tmp\/\.clsync-hpc\.b\d+\.\w+\/apply\.sh: No space left on device$/,
    );
    // apply and cleanup run side by side
    assert.deepEqual(
      runs()
        .map((r) => [r.tool, r.kind, r.hosts])
        .sort(),
      [
        ['pdcp', 'copy', ['n1', 'n2']],
        ['pdsh', 'apply', ['n1']],
        ['pdsh', 'cleanup', ['n2']],
      ],
    );
    assert.deepEqual(readdirSync(join(root, 'n2', 'tmp')), []);
    assert.equal(existsSync(on('n2', 'a')), false);
  });

  test('no OK line = not ok, whatever the exit codes; the stage left behind is removed', async () => {
    const { root, runs, batch } = cluster({ FAKE_SILENT: 'n2' });
    const results = await createPdcpTransport(settings, tools).push(
      await batch()
        .write('a', { content: 'a', ...me })
        .build(),
      ['n1', 'n2'],
      { fanout: 8 },
    );
    assert.deepEqual(summary(results), [
      ['n1', 'ok'],
      ['n2', 'other/no-result'],
    ]);
    assert.deepEqual(
      runs().map((r) => [r.kind, r.hosts]),
      [
        ['copy', ['n1', 'n2']],
        ['apply', ['n1', 'n2']],
        ['cleanup', ['n2']],
      ],
    );
    assert.deepEqual(readdirSync(join(root, 'n2', 'tmp')), []);
  });

  test("apply.sh's ERR line names the path on the node; other hosts go on", async () => {
    const { on, batch } = cluster();
    mkdirSync(on('n2', 'a'), { recursive: true });
    const results = await createPdcpTransport(settings, tools).push(
      await batch()
        .write('a', { content: 'a', ...me })
        .build(),
      ['n1', 'n2'],
      { fanout: 8 },
    );
    assert.deepEqual(summary(results), [
      ['n1', 'ok'],
      ['n2', 'remote-io'],
    ]);
    assert.equal(results[1]?.error?.message, '/etc/a: Is a directory');
  });

  test('pdcp failing as a whole (exit ≠ 0) fails every host: no apply, only a cleanup', async () => {
    const { runs, batch } = cluster({ FAKE_PDCP_EXIT: '1' });
    const results = await createPdcpTransport(settings, tools).push(
      await batch().delete('x').build(),
      ['n1', 'n2'],
      { fanout: 8 },
    );
    assert.deepEqual(summary(results), [
      ['n1', 'other/pdcp-failed'],
      ['n2', 'other/pdcp-failed'],
    ]);
    assert.match(results[0]?.error?.message ?? '', /something local went wrong/);
    // pdcp may have given up half-way: whatever it copied is removed
    assert.deepEqual(
      runs().map((r) => [r.kind, r.hosts]),
      [
        ['copy', ['n1', 'n2']],
        ['cleanup', ['n1', 'n2']],
      ],
    );
  });

  test('FQDN hosts: pdsh prints short names when all share a domain; results still map to the given names', async () => {
    const { batch } = cluster({ FAKE_STRIP: '1', FAKE_DOWN: 'n2.hpc.example' });
    const results = await createPdcpTransport(settings, tools).push(
      await batch().delete('x').build(),
      ['n1.hpc.example', 'n2.hpc.example'],
      { fanout: 8 },
    );
    assert.deepEqual(summary(results), [
      ['n1.hpc.example', 'ok'],
      ['n2.hpc.example', 'unreachable'],
    ]);
  });

  test('an aborted push runs nothing and fails every host with "aborted"', async () => {
    const { batch } = cluster();
    const controller = new AbortController();
    controller.abort();
    const results = await createPdcpTransport(settings, tools).push(
      await batch().delete('x').build(),
      ['n1', 'n2'],
      { fanout: 8, signal: controller.signal },
    );
    assert.deepEqual(summary(results), [
      ['n1', 'other/aborted'],
      ['n2', 'other/aborted'],
    ]);
    assert.equal(existsSync(join(process.env.FAKE_PDSH_ROOT ?? '', 'invocations.log')), false);
  });
});

describe('availability', () => {
  test('missing tools: a reason from checkPdcpAvailable, TransportError from push', async () => {
    const missing = { pdcpPath: join(work, 'no-such-pdcp'), pdshPath: tools.pdshPath };
    assert.match((await checkPdcpAvailable(missing)) ?? '', /^pdcp not found \(.*no-such-pdcp/);
    assert.equal(await checkPdcpAvailable(tools), undefined);
    const { batch } = cluster();
    await assert.rejects(
      createPdcpTransport(settings, missing).push(await batch().delete('x').build(), ['n1'], { fanout: 1 }),
      (e: unknown) => e instanceof TransportError && /pdcp not found/.test(e.message),
    );
  });

  test('a pdsh without the ssh rcmd module, or one that hangs or dies, is refused', async () => {
    const fake = (name: string, body: string): string => {
      const path = join(work, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return path;
    };
    const rshOnly = fake(
      'pdsh-rsh-only',
      'echo "pdsh-2.34 (+debug)" >&2; echo "rcmd modules: rsh,exec (default: rsh)" >&2',
    );
    assert.equal(
      await checkPdcpAvailable({ ...tools, pdshPath: rshOnly }),
      'pdsh has no ssh rcmd module (pdsh -V lists: rsh,exec)',
    );
    const onStdout = fake('pdsh-stdout', 'echo "rcmd modules: ssh,rsh,exec (default: rsh)"');
    assert.equal(await checkPdcpAvailable({ ...tools, pdshPath: onStdout }), undefined);
    const dies = fake('pdsh-dies', 'kill -9 $$');
    assert.equal(
      await checkPdcpAvailable({ ...tools, pdshPath: dies }),
      'pdsh has no ssh rcmd module (pdsh -V lists: nothing)',
    );
  });

  test('a bad remote tmp dir is refused when the transport is made', () => {
    assert.throws(() => createPdcpTransport(settings, { remoteTmp: '/tmp/$(x)' }), TransportError);
    assert.throws(() => createPdcpTransport(settings, { remoteTmp: 'tmp' }), TransportError);
  });
});
