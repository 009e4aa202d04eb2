import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch, HostFailure, HostResult, Transport, TransportName } from '../types.js';
import { pushWithRetry } from './push-with-retry.js';

const batch: Batch = { id: 'b1', createdAt: 0, destDir: '/etc', changes: [], staged: new Map() };

/** A scripted transport: each host fails with the listed failures, in order, then succeeds. */
function scripted(name: TransportName, script: Record<string, HostFailure[]>) {
  const calls: string[][] = [];
  const transport: Transport = {
    name,
    async push(b, hosts) {
      calls.push([...hosts]);
      return hosts.map((host): HostResult => {
        const error = script[host]?.shift();
        return {
          host,
          batchId: b.id,
          ok: error === undefined,
          ...(error ? { error } : {}),
          startedAt: 0,
          finishedAt: 0,
        };
      });
    },
    async close() {},
  };
  return { transport, calls };
}

const deps = {
  policy: { baseMs: 100, capMs: 1000, jitter: 0 },
  pushOptions: { fanout: 4 },
  random: () => 0.5,
};

test('only failed transient hosts are retried, with growing delays', async () => {
  const down: HostFailure = { class: 'unreachable', message: 'Connection refused' };
  const { transport, calls } = scripted('pdcp', { n2: [down, down] });
  const slept: number[] = [];
  const out = await pushWithRetry(batch, ['n1', 'n2', 'n3'], {
    ...deps,
    primary: transport,
    retries: 3,
    sleep: async (ms) => void slept.push(ms),
  });
  assert.deepEqual(calls, [['n1', 'n2', 'n3'], ['n2'], ['n2']]);
  assert.deepEqual(slept, [100, 200]);
  assert.equal(out.get('n2')?.ok, true);
  assert.equal(out.get('n2')?.attempts, 3);
  assert.equal(out.get('n1')?.attempts, 1);
});

test('gives up after the retry budget and keeps the last error', async () => {
  const down: HostFailure = { class: 'timeout', message: 'banner exchange' };
  const { transport, calls } = scripted('ssh', { n1: [down, down, down] });
  const out = await pushWithRetry(batch, ['n1'], {
    ...deps,
    primary: transport,
    retries: 1,
    sleep: async () => {},
  });
  assert.equal(calls.length, 2);
  assert.equal(out.get('n1')?.ok, false);
  assert.equal(out.get('n1')?.error?.class, 'timeout');
  assert.equal(out.get('n1')?.attempts, 2);
});

test('permanent failures (auth, hostkey) are not retried', async () => {
  const { transport, calls } = scripted('ssh', { n1: [{ class: 'hostkey', message: 'changed' }] });
  const out = await pushWithRetry(batch, ['n1'], {
    ...deps,
    primary: transport,
    retries: 5,
    sleep: async () => {},
  });
  assert.equal(calls.length, 1);
  assert.equal(out.get('n1')?.ok, false);
});

test('a node without pdcp falls back to the other transport at once', async () => {
  const missing: HostFailure = { class: 'other', code: 'remote-pdcp-missing', message: 'pdcp: not found' };
  const pdcp = scripted('pdcp', { n2: [missing] });
  const ssh = scripted('ssh', {});
  const out = await pushWithRetry(batch, ['n1', 'n2'], {
    ...deps,
    primary: pdcp.transport,
    fallback: ssh.transport,
    retries: 0,
    sleep: async () => {},
  });
  assert.deepEqual(ssh.calls, [['n2']]);
  assert.equal(out.get('n2')?.ok, true);
  assert.equal(out.get('n2')?.transport, 'ssh');
  assert.equal(out.get('n1')?.transport, 'pdcp');
});

test('a node whose sshd cannot do SFTP falls back from ssh to pdcp (daemon auto mode)', async () => {
  const ssh = scripted('ssh', {
    n1: [{ class: 'other', code: 'sftp-unsupported', message: 'subsystem request failed' }],
  });
  const pdcp = scripted('pdcp', {});
  const out = await pushWithRetry(batch, ['n1', 'n2'], {
    ...deps,
    primary: ssh.transport,
    fallback: pdcp.transport,
    retries: 3,
    sleep: async () => {},
  });
  assert.deepEqual(ssh.calls, [['n1', 'n2']]);
  assert.deepEqual(pdcp.calls, [['n1']]);
  assert.equal(out.get('n1')?.transport, 'pdcp');
  assert.equal(out.get('n1')?.ok, true);
});

test('stopped (SIGINT/SIGTERM) during a push: no retry and no fallback follow, the results stand', async () => {
  const stop = new AbortController();
  const down: HostFailure = { class: 'unreachable', message: 'Connection refused' };
  const { transport: primary, calls } = scripted('pdcp', {
    n1: [down],
    n2: [{ class: 'other', code: 'remote-pdcp-missing', message: 'rc 127' }],
  });
  const stopping: Transport = {
    ...primary,
    push: async (b, hosts, o) => {
      const r = await primary.push(b, hosts, o);
      stop.abort();
      return r;
    },
  };
  const { transport: fallback, calls: fallbackCalls } = scripted('ssh', {});
  const logged: string[] = [];
  const out = await pushWithRetry(batch, ['n1', 'n2', 'n3'], {
    ...deps,
    pushOptions: { fanout: 4, signal: stop.signal },
    primary: stopping,
    fallback,
    retries: 3,
    sleep: async () => {},
    log: (m) => logged.push(m),
  });
  assert.equal(calls.length, 1);
  assert.deepEqual(fallbackCalls, []);
  assert.deepEqual(logged, []);
  assert.deepEqual(
    [...out.values()].map((o) => [o.host, o.ok]),
    [
      ['n1', false],
      ['n2', false],
      ['n3', true],
    ],
  );
});
