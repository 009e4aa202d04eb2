import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApplyArgv, buildCleanupArgv, buildPdcpArgv, toSeconds } from './build-argv.js';

const round = {
  hostsFile: '/tmp/w/hosts.0',
  fanout: 16,
  connectTimeoutMs: 2_500,
  operationTimeoutMs: 60_000,
};
const common = ['-R', 'ssh', '-b', '-t', '3', '-u', '60', '-f', '16', '-w', '^/tmp/w/hosts.0'];

test('pdcp: recursive copy of the one stage directory, modes and mtimes kept, hosts from a file', () => {
  assert.deepEqual(buildPdcpArgv(round, '/tmp/w/.clsync-hpc.b1.abc', '/tmp'), [
    ...common,
    '-r',
    '-p',
    '/tmp/w/.clsync-hpc.b1.abc',
    '/tmp',
  ]);
  assert.deepEqual(buildPdcpArgv(round, '/s', '/var/tmp', '/opt/pdsh/bin/pdcp'), [
    ...common,
    '-r',
    '-p',
    '-e',
    '/opt/pdsh/bin/pdcp',
    '/s',
    '/var/tmp',
  ]);
});

test('pdsh: fixed words only on the remote command line', () => {
  assert.deepEqual(buildApplyArgv(round, '/tmp/.clsync-hpc.b1.abc'), [
    ...common,
    'sh',
    '/tmp/.clsync-hpc.b1.abc/apply.sh',
  ]);
  assert.deepEqual(buildCleanupArgv(round, '/tmp/.clsync-hpc.b1.abc'), [
    ...common,
    'rm',
    '-rf',
    '--',
    '/tmp/.clsync-hpc.b1.abc',
  ]);
});

test('timeouts: whole seconds, rounded up, never 0 (0 means none to pdsh); fanout at least 1', () => {
  assert.equal(toSeconds(1), '1');
  assert.equal(toSeconds(0), '1');
  assert.equal(toSeconds(2_000), '2');
  assert.equal(toSeconds(2_001), '3');
  assert.deepEqual(buildApplyArgv({ ...round, fanout: 0 }, '/s').slice(7, 9), ['-f', '1']);
});
