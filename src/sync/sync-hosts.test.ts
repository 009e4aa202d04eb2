import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ONE_SHOT_RETRY } from '../fanout/retry-policy.js';
import { Ledger } from '../ledger/ledger.js';
import { file } from '../tree/entries-for-tests.js';
import { SortedSnapshot } from '../tree/sorted-snapshot.js';
import type { Transport } from '../types.js';
import { syncHosts } from './sync-hosts.js';

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
