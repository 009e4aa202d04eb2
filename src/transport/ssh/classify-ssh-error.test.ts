import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySshError } from './classify-ssh-error.js';
import {
  ContentMismatchError,
  HostAbortedError,
  HostKeyRefusedError,
  SFTP_STATUS,
  SftpStatusError,
  SshConnectionLostError,
  SshTimeoutError,
  SshUnsupportedConfigError,
} from './ssh-errors.js';

/** An error shaped like the ones ssh2 emits: message + level (+ code, address, port). */
function sshErr(message: string, props: Record<string, unknown>): Error {
  return Object.assign(new Error(message), props);
}

describe('classifySshError', () => {
  it('socket errors from a refused, unroutable or reset connection → unreachable, ssh-like words', () => {
    const refused = sshErr('connect ECONNREFUSED 10.231.0.13:22', {
      level: 'client-socket',
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
      address: '10.231.0.13',
      port: 22,
    });
    assert.deepEqual(classifySshError(refused), {
      class: 'unreachable',
      message: 'connect to host 10.231.0.13 port 22: Connection refused',
      code: 'econnrefused',
    });
    const noRoute = sshErr('connect EHOSTUNREACH 10.231.0.13:22', {
      level: 'client-socket',
      code: 'EHOSTUNREACH',
      address: '10.231.0.13',
      port: 22,
    });
    assert.equal(classifySshError(noRoute).message, 'connect to host 10.231.0.13 port 22: No route to host');
    assert.equal(
      classifySshError(sshErr('read ECONNRESET', { level: 'client-socket', code: 'ECONNRESET' })).class,
      'unreachable',
    );
    assert.equal(
      classifySshError(sshErr('x', { level: 'client-socket', code: 'ENETUNREACH' })).class,
      'unreachable',
    );
  });

  it('DNS failures → unreachable with code dns', () => {
    const r = classifySshError(
      sshErr('getaddrinfo ENOTFOUND nodeX', { level: 'client-socket', code: 'ENOTFOUND', hostname: 'nodeX' }),
    );
    assert.deepEqual(r, {
      class: 'unreachable',
      message: 'connect to host nodeX: Could not resolve hostname',
      code: 'dns',
    });
    assert.equal(
      classifySshError(sshErr("Error while looking up IPv4 address for 'x'", { level: 'client-dns' })).code,
      'dns',
    );
  });

  it('timeouts: ssh2 handshake/keepalive, OS connect timeout, ours', () => {
    assert.equal(
      classifySshError(sshErr('Timed out while waiting for handshake', { level: 'client-timeout' })).class,
      'timeout',
    );
    assert.equal(classifySshError(sshErr('Keepalive timeout', { level: 'client-timeout' })).class, 'timeout');
    assert.equal(
      classifySshError(sshErr('connect ETIMEDOUT', { level: 'client-socket', code: 'ETIMEDOUT' })).class,
      'timeout',
    );
    const ours = classifySshError(
      new SshTimeoutError('banner', 'timed out during banner exchange after 3 s'),
    );
    assert.deepEqual(ours, {
      class: 'timeout',
      message: 'timed out during banner exchange after 3 s',
      code: 'timeout-banner',
    });
  });

  it('authentication → auth', () => {
    const r = classifySshError(
      sshErr('All configured authentication methods failed', { level: 'client-authentication' }),
    );
    assert.equal(r.class, 'auth');
    assert.match(r.message, /All configured authentication methods failed/);
  });

  it('host key refusal → hostkey, from ssh2 alone or with our verdict', () => {
    const raw = sshErr('Host denied (verification failed)', { level: 'handshake', code: 3 });
    assert.equal(classifySshError(raw).class, 'hostkey');
    const ours = new HostKeyRefusedError('changed', 'host key for 10.0.0.1 changed');
    assert.deepEqual(classifySshError(ours), {
      class: 'hostkey',
      message: 'host key for 10.0.0.1 changed',
      code: 'hostkey-changed',
    });
  });

  it('other handshake failures (no common algorithm) → other', () => {
    const r = classifySshError(
      sshErr('Handshake failed: no matching key exchange algorithm', { level: 'handshake', code: 3 }),
    );
    assert.equal(r.class, 'other');
    assert.equal(r.code, 'ssh-handshake');
  });

  it('SFTP status codes → remote-io with the operation and path; diagnosis wins', () => {
    const denied = new SftpStatusError(
      'open',
      '/etc/.x.clsync-hpc.b1',
      SFTP_STATUS.PERMISSION_DENIED,
      'Permission denied',
    );
    assert.deepEqual(classifySshError(denied), {
      class: 'remote-io',
      message: 'open /etc/.x.clsync-hpc.b1: Permission denied',
      code: 'sftp-permission-denied',
    });
    const full = new SftpStatusError(
      'write',
      '/etc/.f.clsync-hpc.b1',
      SFTP_STATUS.FAILURE,
      'Failure',
    ).withDiagnosis({
      message: 'No space left on device',
      errno: 'ENOSPC',
    });
    assert.deepEqual(classifySshError(full), {
      class: 'remote-io',
      message: 'write /etc/.f.clsync-hpc.b1: No space left on device',
      code: 'ENOSPC',
    });
    const plain = new SftpStatusError('mkdir', '/x', SFTP_STATUS.FAILURE, 'Failure');
    assert.equal(classifySshError(plain).code, 'sftp-failure');
  });

  it('lost connection or channel → unreachable; unsupported request → other', () => {
    assert.equal(
      classifySshError(new SftpStatusError('write', '/x', SFTP_STATUS.CONNECTION_LOST, 'Connection lost'))
        .class,
      'unreachable',
    );
    assert.equal(
      classifySshError(new SshConnectionLostError('write /x: connection closed')).class,
      'unreachable',
    );
    assert.equal(classifySshError(new Error('No response from server')).class, 'unreachable');
    assert.equal(
      classifySshError(sshErr('Connection lost before handshake', { level: 'protocol' })).class,
      'unreachable',
    );
    assert.equal(
      classifySshError(new SftpStatusError('x', '/x', SFTP_STATUS.OP_UNSUPPORTED, 'Operation unsupported'))
        .code,
      'sftp-unsupported',
    );
  });

  it('content mismatch → validation; abort → other/aborted; anything else → other', () => {
    assert.equal(classifySshError(new ContentMismatchError('sha256 differs')).class, 'validation');
    assert.deepEqual(classifySshError(new HostAbortedError()), {
      class: 'other',
      message: 'aborted before this host finished',
      code: 'aborted',
    });
    assert.deepEqual(classifySshError('boom'), { class: 'other', message: 'boom', code: 'ssh-error' });
    assert.equal(classifySshError(new Error('weird')).class, 'other');
    assert.equal(
      classifySshError(new SshUnsupportedConfigError('node1: ProxyJump gw')).code,
      'ssh-config-unsupported',
    );
  });
});
