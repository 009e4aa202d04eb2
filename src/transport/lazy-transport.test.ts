import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch, HostResult, Transport } from '../types.js';
import { lazyTransport } from './lazy-transport.js';

function counting(): { loads: number; calls: string[]; load: () => Promise<Transport> } {
  const state = {
    loads: 0,
    calls: [] as string[],
    load: async (): Promise<Transport> => {
      state.loads += 1;
      return {
        name: 'ssh',
        prewarm: (hosts) => void state.calls.push(`prewarm ${hosts.join(',')}`),
        push: async (_batch, hosts) => {
          state.calls.push(`push ${hosts.join(',')}`);
          return hosts.map((host): HostResult => ({
            host,
            batchId: 'b1',
            ok: true,
            startedAt: 0,
            finishedAt: 0,
          }));
        },
        close: async () => void state.calls.push('close'),
      };
    },
  };
  return state;
}
const batch = {} as Batch;

test('nothing is loaded until a push or prewarm, and then only once', async () => {
  const fake = counting();
  const t = lazyTransport('ssh', fake.load);
  assert.equal(t.name, 'ssh');
  assert.equal(fake.loads, 0);
  t.prewarm?.(['n1']);
  const results = await t.push(batch, ['n1', 'n2'], { fanout: 2 });
  assert.deepEqual(
    results.map((r) => r.host),
    ['n1', 'n2'],
  );
  await t.push(batch, ['n3'], { fanout: 1 });
  await t.close();
  assert.equal(fake.loads, 1);
  assert.deepEqual(fake.calls, ['prewarm n1', 'push n1,n2', 'push n3', 'close']);
});

test('close without a push loads nothing', async () => {
  const fake = counting();
  await lazyTransport('pdcp', fake.load).close();
  assert.equal(fake.loads, 0);
});

test('a failed load fails the push, not prewarm or close', async () => {
  const t = lazyTransport('ssh', () => Promise.reject(new Error('cannot load ssh2')));
  t.prewarm?.(['n1']);
  await assert.rejects(t.push(batch, ['n1'], { fanout: 1 }), /cannot load ssh2/);
  await t.close();
});
