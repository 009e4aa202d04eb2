// parsePdcpLine / collectFailures against stderr captured from the lab, one file per fault
// (test/fixtures/pdcp/capture.sh). Faults hit node03; hosts that are not named succeeded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { collectFailures } from './collect-failures.js';
import { parsePdcpLine, splitHostLine } from './parse-pdcp-line.js';
import { makeHostLabelResolver } from './resolve-host-label.js';
import { parseApplyOutput } from '../shared/parse-apply-output.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here.replace(/([/\\])dist([/\\])src([/\\])/, '$1src$3'), '../../../test/fixtures/pdcp');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const lab = makeHostLabelResolver(['node01', 'node02', 'node03']);

interface Expect {
  readonly cls: string;
  readonly message: RegExp;
  readonly code?: string;
  readonly partial?: boolean;
}

const cases: Record<string, Record<string, Expect>> = {
  'sshd.pdcp.stderr': {
    node03: {
      cls: 'unreachable',
      message: /^ssh: connect to host 10\.231\.\d+\.13 port 22: Connection refused$/,
    },
  },
  'sshd.pdsh.stderr': { node03: { cls: 'unreachable', message: /Connection refused$/ } },
  'freeze.pdcp.stderr': {
    node03: { cls: 'timeout', message: /^Connection timed out during banner exchange$/ },
  },
  'freeze.pdsh.stderr': { node03: { cls: 'timeout', message: /banner exchange/ } },
  // -t 2 expires before ARP gives up (3 s) in round 1; by round 2 ARP has failed
  'link.pdcp.stderr': { node03: { cls: 'timeout', message: /port 22: Connection timed out$/ } },
  'link.pdsh.stderr': { node03: { cls: 'unreachable', message: /No route to host$/ } },
  'drop.pdcp.stderr': { node03: { cls: 'timeout', message: /port 22: Connection timed out$/ } },
  'drop.pdsh.stderr': { node03: { cls: 'timeout', message: /Connection timed out$/ } },
  'ro.pdcp.stderr': {
    node03: {
      cls: 'remote-io',
      message: /^\/tmp\/\.clsync-hpc\.ro: Read-only file system; \/tmp\/0: Read-only file system$/,
      partial: true,
    },
  },
  'ro.pdsh.stderr': {},
  'full.pdcp.stderr': {
    node03: {
      cls: 'remote-io',
      message: /^\/tmp\/\.clsync-hpc\.full\/0: No space left on device$/,
      partial: true,
    },
  },
  'full.pdsh.stderr': {},
  'missing.pdcp.stderr': Object.fromEntries(
    ['node01', 'node02', 'node03'].map((n) => [
      n,
      {
        cls: 'other',
        code: 'remote-pdcp-missing',
        message:
          /^bash: line 1: \/nonexistent\/pdcp: No such file or directory; pdcp: ssh exited with exit code 127/,
        partial: false,
      },
    ]),
  ),
  'hostkey-changed.pdcp.stderr': {
    node03: {
      cls: 'hostkey',
      message:
        /REMOTE HOST IDENTIFICATION HAS CHANGED.*Host key for 10\.231\.\d+\.13 has changed.*Host key verification failed\./,
    },
  },
  'hostkey-unknown.pdcp.stderr': Object.fromEntries(
    ['node01', 'node02', 'node03'].map((n) => [
      n,
      { cls: 'hostkey', message: /^No ED25519 host key is known for .*; Host key verification failed\.$/ },
    ]),
  ),
  'auth.pdcp.stderr': {
    node03: { cls: 'auth', message: /^root@10\.231\.\d+\.13: Permission denied \(publickey\)\.$/ },
  },
  'command-timeout.pdsh.stderr': {
    node01: { cls: 'timeout', message: /command timeout/, partial: true },
    node02: { cls: 'timeout', message: /command timeout/, partial: true },
  },
};

describe('captured pdcp/pdsh stderr → one failure per named host', () => {
  for (const [file, expected] of Object.entries(cases)) {
    test(file, () => {
      const { failures } = collectFailures(fixture(file), lab);
      assert.deepEqual([...failures.keys()].sort(), Object.keys(expected).sort(), 'hosts named as failed');
      for (const [host, want] of Object.entries(expected)) {
        const got = failures.get(host);
        assert.equal(got?.class, want.cls, `${host}: ${JSON.stringify(got)}`);
        assert.match(got.message, want.message);
        assert.equal(got.code, want.code);
        if (want.partial !== undefined) assert.equal(got.partial, want.partial);
      }
    });
  }

  test('dns.pdcp.stderr: pdsh prints "nosuchnode" for nosuchnode.invalid', () => {
    const { failures } = collectFailures(
      fixture('dns.pdcp.stderr'),
      makeHostLabelResolver(['nosuchnode.invalid']),
    );
    assert.equal(failures.get('nosuchnode.invalid')?.class, 'unreachable');
    assert.match(
      failures.get('nosuchnode.invalid')?.message ?? '',
      /Could not resolve hostname nosuchnode\.invalid/,
    );
  });

  test('apply-full: the OK lines and the ERR line of a full node', () => {
    const results = parseApplyOutput(fixture('apply-full.pdsh.stdout'), 'cap1');
    assert.deepEqual(results.get('node01'), { ok: true, notes: [] });
    assert.deepEqual(results.get('node02'), { ok: true, notes: [] });
    assert.deepEqual(results.get('node03'), {
      ok: false,
      errorClass: 'remote-io',
      change: 0,
      text: "cp: error writing '/srv/cap/.app.conf.clsync-hpc.cap1': No space left on device",
      notes: [],
    });
    // its "ssh exited with exit code 1" alone is only an exit status
    assert.equal(parsePdcpLine(fixture('apply-full.pdsh.stderr').trim())?.generic, true);
  });
});

describe('parsePdcpLine', () => {
  test('the three pdcp/pdsh line shapes', () => {
    assert.deepEqual(parsePdcpLine('pdcp@admin1: n1: fatal: /etc/x: Permission denied'), {
      host: 'n1',
      errorClass: 'remote-io',
      message: '/etc/x: Permission denied',
      partial: true,
    });
    assert.deepEqual(parsePdcpLine('pdcp@admin1: n1: ssh exited with exit code 127'), {
      host: 'n1',
      errorClass: 'other',
      code: 'remote-pdcp-missing',
      message: 'pdcp: ssh exited with exit code 127 (pdcp is not installed at the same path on the node)',
      generic: true,
    });
    assert.equal(
      parsePdcpLine('pdsh@admin1: n1: ssh exited with exit code 127')?.code,
      'remote-command-missing',
    );
    assert.equal(parsePdcpLine('pdsh@admin1: n1: ssh exited with exit code 255')?.code, 'ssh-failed');
    assert.equal(parsePdcpLine('pdsh@admin1: n1: ssh killed by signal 9')?.code, 'ssh-killed');
    assert.equal(parsePdcpLine('pdsh@admin1: n1: command timeout')?.errorClass, 'timeout');
  });

  test('ssh diagnostics by class; warnings and other lines are not failures', () => {
    const cls = (text: string) => parsePdcpLine(`n1: ${text}\r`)?.errorClass;
    assert.equal(cls('kex_exchange_identification: read: Connection reset by peer'), 'unreachable');
    assert.equal(cls('ssh: connect to host 10.0.0.1 port 22: Network is unreachable'), 'unreachable');
    assert.equal(cls('Connection closed by 10.0.0.1 port 22'), 'unreachable');
    assert.equal(cls('Too many authentication failures'), 'auth');
    assert.equal(cls("Warning: Permanently added 'n1' (ED25519) to the list of known hosts."), undefined);
    assert.equal(cls('some text the node printed'), undefined);
    assert.equal(parsePdcpLine('sending SIGTERM to ssh node02'), undefined);
    assert.equal(parsePdcpLine('pdcp@vm: /etc/genders: error opening genders file'), undefined);
    assert.equal(parsePdcpLine(''), undefined);
  });

  test('splitHostLine ignores pdcp/pdsh own lines', () => {
    assert.deepEqual(splitHostLine('n1: hello world\r'), { host: 'n1', text: 'hello world' });
    assert.equal(splitHostLine('pdsh@vm: n1: command timeout'), undefined);
  });
});

describe('collectFailures', () => {
  test("a bare exit status takes its message from the host's other lines; unknown hosts are ignored", () => {
    const { failures, context } = collectFailures(
      [
        'n1: sh: 1: cannot open /x: No such file',
        'pdsh@vm: n1: ssh exited with exit code 2',
        'zz: ssh: connect to host zz port 22: Connection refused',
      ].join('\n'),
      makeHostLabelResolver(['n1']),
    );
    assert.deepEqual([...failures.keys()], ['n1']);
    assert.deepEqual(failures.get('n1'), {
      class: 'other',
      code: 'remote-exit',
      message: 'sh: 1: cannot open /x: No such file; pdsh: ssh exited with exit code 2',
      partial: true,
    });
    assert.deepEqual(context.get('n1'), ['sh: 1: cannot open /x: No such file']);
  });
});
