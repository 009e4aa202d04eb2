import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostLedgerState } from '../ledger/ledger-types.js';
import { snapshotFromEntries } from '../tree/snapshot.js';
import type { Snapshot, TreeEntry } from '../types.js';
import { planHosts } from './plan-hosts.js';

const file = (path: string, hash: string): TreeEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 1,
  mtimeMs: 1,
  hash,
});

/** An in-memory stand-in for the Ledger's read side. */
function fakeLedger(states: Record<string, Partial<HostLedgerState>>, manifests: Record<string, Snapshot>) {
  let reads = 0;
  return {
    reads: () => reads,
    hostState: (host: string): HostLedgerState => ({
      manifestId: null,
      dirty: [],
      failures: 0,
      ...states[host],
    }),
    manifest: async (id: string | null): Promise<Snapshot> => {
      reads++;
      return id === null ? new Map() : (manifests[id] as Snapshot);
    },
  };
}

test('hosts with the same manifest and dirty paths share one plan; up-to-date hosts get no changes', async () => {
  const v1 = snapshotFromEntries([file('a', 'h1'), file('b', 'h1')]);
  const v2 = snapshotFromEntries([file('a', 'h2'), file('b', 'h1')]);
  const dirtyB = ['b'];
  const ledger = fakeLedger(
    {
      n1: { manifestId: 'v1' },
      n2: { manifestId: 'v2' },
      n3: { manifestId: 'v1' },
      n4: { manifestId: 'v2', dirty: dirtyB },
      n5: { manifestId: 'v2', dirty: ['b'] }, // same content, another array
    },
    { v1, v2 },
  );
  const plans = await planHosts(ledger, ['n1', 'n2', 'n3', 'n4', 'n5', 'new', 'n1'], v2, { noDelete: false });
  assert.deepEqual(
    plans.map((p) => ({
      hosts: p.hosts,
      base: p.baseManifestId,
      dirty: p.dirty,
      ops: p.changes.map((c) => `${c.op} ${c.path}`),
    })),
    [
      { hosts: ['n1', 'n3'], base: 'v1', dirty: [], ops: ['write a'] },
      { hosts: ['n2'], base: 'v2', dirty: [], ops: [] },
      { hosts: ['n4', 'n5'], base: 'v2', dirty: ['b'], ops: ['write b'] },
      { hosts: ['new'], base: null, dirty: [], ops: ['write a', 'write b'] },
    ],
  );
  assert.equal(ledger.reads(), 4, 'one diff (and one manifest read) per group');
});

test('noDelete is passed to the diff', async () => {
  const have = snapshotFromEntries([file('gone', 'h')]);
  const ledger = fakeLedger({ n1: { manifestId: 'm' } }, { m: have });
  const [keep] = await planHosts(ledger, ['n1'], new Map(), { noDelete: true });
  assert.deepEqual(keep?.changes, []);
  const [del] = await planHosts(ledger, ['n1'], new Map(), { noDelete: false });
  assert.deepEqual(del?.changes, [{ path: 'gone', op: 'delete', previousType: 'file' }]);
});
