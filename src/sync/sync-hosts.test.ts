import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ONE_SHOT_RETRY } from '../fanout/retry-policy.js';
import { Ledger } from '../ledger/ledger.js';
import { file } from '../tree/entries-for-tests.js';
import { permitAll } from '../tree/matchers-for-tests.js';
import { scanTree } from '../tree/scan-tree.js';
import { SortedSnapshot } from '../tree/sorted-snapshot.js';
import type { Batch, HostResult, Transport } from '../types.js';
import { syncHosts, type SyncHostsDeps } from './sync-hosts.js';

const scratch = mkdtempSync(join(tmpdir(), 'sync-hosts-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('a round of 300,000 changes is planned without overflowing the stack (no push(...spread))', async () => {
  const ledger = await Ledger.open(scratch, 'job');
  const paths = Array.from({ length: 300_000 }, (_, i) => `f${String(i).padStart(6, '0')}`);
  const want = new SortedSnapshot(paths.map((p) => file(p)));
  const unused = {} as Transport; // a dry run sends nothing
  const round = await syncHosts(
    {
      watchDir: scratch,
      destDir: '/srv/x',
      noDelete: false,
      quickCheck: true,
      dryRun: true,
      ledger,
      transports: { primary: unused },
      stageRoot: scratch,
      fanout: 4,
      retries: 0,
      policy: ONE_SHOT_RETRY,
      log: () => undefined,
    },
    ['n1', 'n2'],
    want,
  );
  assert.equal(round.changes.length, 300_000);
  assert.deepEqual(
    round.hosts.map((h) => [h.host, h.status, h.sent]),
    [
      ['n1', 'planned', 300_000],
      ['n2', 'planned', 300_000],
    ],
  );
});

test('hosts with no ledger record get a quickCheck batch; what the node had is reported as inPlace, not sent', async () => {
  const dir = join(scratch, 'quick');
  const tree = join(dir, 'etc');
  mkdirSync(tree, { recursive: true });
  for (const name of ['a', 'b', 'c']) writeFileSync(join(tree, name), name);
  const want = (await scanTree(tree, permitAll)).snapshot;
  const batches: Batch[] = [];
  // a node "already has" a and b: the transport reports them in place, as the ssh one would
  const inPlaceOn: Record<string, number> = { fresh: 2, done: 3 };
  const transport: Transport = {
    name: 'ssh',
    push: (batch, hosts) => {
      batches.push(batch);
      return Promise.resolve(
        hosts.map((host): HostResult => {
          const n = batch.quickCheck === true ? (inPlaceOn[host] ?? 0) : 0;
          return {
            host,
            batchId: batch.id,
            ok: true,
            startedAt: 0,
            finishedAt: 0,
            ...(n > 0 ? { inPlace: n } : {}),
          };
        }),
      );
    },
    close: () => Promise.resolve(),
  };
  const deps = async (quickCheck: boolean): Promise<SyncHostsDeps> => ({
    watchDir: tree,
    destDir: '/srv/x',
    noDelete: false,
    quickCheck,
    dryRun: false,
    ledger: await Ledger.open(join(dir, quickCheck ? 'state' : 'state-ignore-times'), 'job'),
    transports: { primary: transport },
    stageRoot: join(dir, 'stage'),
    fanout: 4,
    retries: 0,
    policy: ONE_SHOT_RETRY,
    log: () => undefined,
  });
  const withCheck = await deps(true);
  const first = await syncHosts(withCheck, ['fresh', 'done'], want);
  assert.equal(batches[0]?.quickCheck, true);
  assert.deepEqual(
    first.hosts.map((h) => [h.host, h.status, h.sent, h.inPlace]),
    [
      ['fresh', 'ok', 1, 2],
      ['done', 'unchanged', 0, 3],
    ],
  );
  // both are in the ledger now: a change goes to them without a quick check
  writeFileSync(join(tree, 'c'), 'c2');
  const second = await syncHosts(withCheck, ['fresh', 'done'], (await scanTree(tree, permitAll)).snapshot);
  assert.equal(batches[1]?.quickCheck, undefined);
  assert.deepEqual(
    second.hosts.map((h) => [h.host, h.status, h.sent]),
    [
      ['fresh', 'ok', 1],
      ['done', 'ok', 1],
    ],
  );
  // --ignore-times: first contact sends everything
  const ignoring = await deps(false);
  const third = await syncHosts(ignoring, ['done'], want);
  assert.equal(batches[2]?.quickCheck, undefined);
  assert.deepEqual(
    third.hosts.map((h) => [h.host, h.status, h.sent]),
    [['done', 'ok', 3]],
  );
  await withCheck.ledger.close();
  await ignoring.ledger.close();
});

test('stopped before the push: every host is reported, as not started, and nothing is sent', async () => {
  const dir = join(scratch, 'stopped');
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'a'), 'a');
  const stop = new AbortController();
  stop.abort();
  let pushes = 0;
  const transport: Transport = {
    name: 'ssh',
    push: () => {
      pushes++;
      return Promise.resolve([]);
    },
    close: () => Promise.resolve(),
  };
  const ledger = await Ledger.open(join(dir, 'state'), 'job');
  const round = await syncHosts(
    {
      watchDir: join(dir, 'etc'),
      destDir: '/srv/x',
      noDelete: false,
      quickCheck: true,
      dryRun: false,
      ledger,
      transports: { primary: transport },
      stageRoot: join(dir, 'stage'),
      fanout: 4,
      retries: 0,
      policy: ONE_SHOT_RETRY,
      signal: stop.signal,
      log: () => undefined,
    },
    ['n1', 'n2'],
    (await scanTree(join(dir, 'etc'), permitAll)).snapshot,
  );
  await ledger.close();
  assert.equal(pushes, 0);
  assert.deepEqual(
    round.hosts.map((h) => [h.host, h.status, h.error?.code]),
    [
      ['n1', 'failed', 'aborted'],
      ['n2', 'failed', 'aborted'],
    ],
  );
});
