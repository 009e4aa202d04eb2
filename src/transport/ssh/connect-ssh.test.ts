// openSshConnection's failure words on loopback (no lab): refused, a silent sshd (banner timeout),
// an abort before anything happened.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { classifySshError } from './classify-ssh-error.js';
import { openSshConnection } from './connect-ssh.js';
import { KnownHostsStore } from './host-key-policy.js';
import { HostAbortedError } from './ssh-errors.js';
import type { SshEndpoint } from './ssh-endpoint.js';

const endpoint = (port: number, connectTimeoutMs = 400): SshEndpoint => ({
  host: 'loop',
  address: '127.0.0.1',
  port,
  username: 'root',
  connectTimeoutMs,
  auth: [],
  authTried: [],
  hostKeyName: '127.0.0.1',
  hostKeyPolicy: { files: [], acceptNewInto: undefined, hashNew: false },
});
const options = {
  knownHosts: new KnownHostsStore(),
  keepaliveIntervalMs: 0,
  keepaliveCountMax: 3,
  stallTimeoutMs: 1000,
};

function listen(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0 });
    }),
  );
}

describe('openSshConnection failures', () => {
  const sockets: Socket[] = [];
  after(() => sockets.forEach((s) => s.destroy()));

  it('refused → unreachable, in ssh words', async () => {
    const { server, port } = await listen(() => undefined);
    await new Promise((r) => server.close(r)); // nothing listens there any more
    const err = await openSshConnection(endpoint(port), options).then(
      () => assert.fail('connected'),
      (e: unknown) => e,
    );
    assert.deepEqual(classifySshError(err), {
      class: 'unreachable',
      message: `connect to host 127.0.0.1 port ${port}: Connection refused`,
      code: 'econnrefused',
    });
  });

  it('a server that accepts TCP and never speaks → banner timeout after the connect timeout', async () => {
    const { server, port } = await listen((s) => sockets.push(s));
    try {
      const t0 = Date.now();
      const err = await openSshConnection(endpoint(port, 400), options).then(
        () => assert.fail('connected'),
        (e: unknown) => e,
      );
      const elapsed = Date.now() - t0;
      const failure = classifySshError(err);
      assert.equal(failure.class, 'timeout');
      assert.equal(failure.code, 'timeout-banner');
      assert.match(failure.message, /Connection timed out during banner exchange/);
      assert.ok(elapsed >= 350 && elapsed < 2000, `${elapsed} ms`);
    } finally {
      server.close();
    }
  });

  it('an already aborted signal → aborted, nothing attempted', async () => {
    await assert.rejects(
      openSshConnection(endpoint(1), { ...options, signal: AbortSignal.abort() }),
      (e: unknown) => e instanceof HostAbortedError,
    );
  });
});
