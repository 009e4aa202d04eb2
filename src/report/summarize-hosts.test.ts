import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostErrorClass, HostReport, HostStatus } from '../types.js';
import { countByStatus, MAX_MESSAGE_LENGTH, messageShape, summarizeHosts } from './summarize-hosts.js';

function report(
  host: string,
  status: HostStatus,
  error?: { class: HostErrorClass; message: string; code?: string },
): HostReport {
  return {
    host,
    status,
    attempts: 1,
    sent: status === 'ok' ? 1 : 0,
    deleted: 0,
    ...(error !== undefined ? { error } : {}),
  };
}

// verbatim pdcp stderr from the lab (test/lab/README.md), one line per node
const refused = (n: number): string => `ssh: connect to host 10.231.0.${10 + n} port 22: Connection refused`;

describe('countByStatus', () => {
  it('counts every status, zero included', () => {
    assert.deepEqual(countByStatus([]), { ok: 0, unchanged: 0, planned: 0, failed: 0 });
    assert.deepEqual(
      countByStatus([
        report('a', 'ok'),
        report('b', 'ok'),
        report('c', 'failed', { class: 'auth', message: 'x' }),
      ]),
      {
        ok: 2,
        unchanged: 0,
        planned: 0,
        failed: 1,
      },
    );
  });
});

describe('summarizeHosts', () => {
  it('prints counts, then each status with its hosts folded', () => {
    const reports = [
      report('node05', 'ok'),
      report('node01', 'ok'),
      report('node03', 'failed', { class: 'unreachable', message: refused(3) }),
      report('node02', 'ok'),
      report('node04', 'ok'),
      report('node06', 'unchanged'),
      report('node07', 'failed', { class: 'unreachable', message: refused(7) }),
      report('node12', 'failed', { class: 'remote-io', message: 'No space left on device' }),
    ];
    assert.deepEqual(summarizeHosts(reports), [
      '4 ok, 1 unchanged, 3 failed (8 hosts)',
      'ok: node[01-02,04-05]',
      'unchanged: node06',
      'failed: node[03,07] unreachable: ssh: connect to host <ip> port 22: Connection refused',
      'failed: node12 remote-io: No space left on device',
    ]);
  });

  it('shows the message as is when every host of a group has the same words', () => {
    const reports = [
      report('node01', 'failed', { class: 'remote-io', message: 'scp: /etc/passwd: Read-only file system' }),
      report('node02', 'failed', {
        class: 'remote-io',
        message: 'scp: /etc/passwd:  Read-only file system\n',
      }),
    ];
    assert.deepEqual(summarizeHosts(reports), [
      '2 failed (2 hosts)',
      'failed: node[01-02] remote-io: scp: /etc/passwd: Read-only file system',
    ]);
  });

  it('groups messages that differ only by the host name, showing a placeholder', () => {
    const reports = ['node01', 'node02', 'node10'].map((host) =>
      report(host, 'failed', { class: 'hostkey', message: `Host key verification failed for ${host}.` }),
    );
    assert.deepEqual(summarizeHosts(reports).slice(1), [
      'failed: node[01-02,10] hostkey: Host key verification failed for <host>.',
    ]);
  });

  it('keeps different classes, codes and messages apart; biggest group first', () => {
    const reports = [
      report('n1', 'failed', { class: 'timeout', message: 'Connection timed out during banner exchange' }),
      report('n2', 'failed', { class: 'auth', message: 'Permission denied (publickey).' }),
      report('n3', 'failed', { class: 'auth', message: 'Permission denied (publickey).' }),
      report('n4', 'failed', { class: 'other', message: 'pdcp: not found', code: 'remote-pdcp-missing' }),
      report('n5', 'failed', { class: 'other', message: 'pdcp: not found' }),
      report('n6', 'failed', { class: 'remote-io', message: 'No space left on device' }),
      report('n7', 'failed', { class: 'remote-io', message: 'Read-only file system' }),
    ];
    assert.deepEqual(summarizeHosts(reports), [
      '7 failed (7 hosts)',
      'failed: n[2-3] auth: Permission denied (publickey).',
      'failed: n5 other: pdcp: not found',
      'failed: n4 other (remote-pdcp-missing): pdcp: not found',
      'failed: n6 remote-io: No space left on device',
      'failed: n7 remote-io: Read-only file system',
      'failed: n1 timeout: Connection timed out during banner exchange',
    ]);
  });

  it('truncates long messages with an ellipsis and flattens line breaks', () => {
    const long = `remote: ${'x'.repeat(300)}`;
    const [, line] = summarizeHosts([
      report('n1', 'failed', { class: 'other', message: `first\nsecond ${long}` }),
    ]);
    assert.ok(line !== undefined);
    const message = line.slice('failed: n1 other: '.length);
    assert.equal(message.length, MAX_MESSAGE_LENGTH);
    assert.ok(message.startsWith('first second remote: xxx'));
    assert.ok(message.endsWith('…'));
  });

  it('prints a failure without a message or error as its class', () => {
    assert.deepEqual(
      summarizeHosts([report('n1', 'failed', { class: 'validation', message: '' }), report('n2', 'failed')]),
      ['2 failed (2 hosts)', 'failed: n2 other', 'failed: n1 validation'],
    );
  });

  it('handles dry runs, a single host and no hosts', () => {
    assert.deepEqual(summarizeHosts([report('n2', 'planned'), report('n1', 'planned')]), [
      '2 planned (2 hosts)',
      'planned: n[1-2]',
    ]);
    assert.deepEqual(summarizeHosts([report('n1', 'ok')]), ['1 ok (1 host)', 'ok: n1']);
    assert.deepEqual(summarizeHosts([]), ['no hosts']);
  });
});

describe('messageShape', () => {
  it('replaces the host, its short name and IP addresses, whole words only', () => {
    assert.equal(
      messageShape('node1: cannot reach node10 (node1)', 'node1'),
      '<host>: cannot reach node10 (<host>)',
    );
    assert.equal(
      messageShape('node1.cluster.org refused; node1 down', 'node1.cluster.org'),
      '<host> refused; <host> down',
    );
    assert.equal(messageShape('to 10.231.0.13 port 22', 'node03'), 'to <ip> port 22');
    assert.equal(messageShape('to fe80::1%eth0 and 2001:db8::2', 'n'), 'to <ip>%eth0 and <ip>');
    assert.equal(messageShape('10.0.0.7: refused', '10.0.0.7'), '<host>: refused');
    assert.equal(messageShape('port 22: Connection refused', 'n1'), 'port 22: Connection refused');
    assert.equal(messageShape('version 1.2.3.4.5 here', 'n1'), 'version 1.2.3.4.5 here');
  });
});

describe('summarizeHosts: first contact', () => {
  it('says how many paths the quick check found already in place, per group of hosts', () => {
    const first = (host: string, status: HostStatus, inPlace: number, sent: number): HostReport => ({
      host,
      status,
      attempts: 1,
      sent,
      deleted: 0,
      inPlace,
    });
    assert.deepEqual(
      summarizeHosts([
        first('n1', 'ok', 49, 1),
        first('n2', 'unchanged', 50, 0),
        first('n3', 'unchanged', 50, 0),
      ]),
      [
        '1 ok, 2 unchanged (3 hosts)',
        'ok: n1',
        'unchanged: n[2-3]',
        'already in place (first contact, left alone): 50 path(s) on n[2-3], 49 on n1',
      ],
    );
    assert.ok(!summarizeHosts([report('a', 'ok')]).some((l) => l.includes('in place')));
  });
});
