import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress } from './progress.js';

const result = (ok: boolean) => ({ host: 'h', batchId: 'b', ok, startedAt: 0, finishedAt: 0 });

test('progress is rate limited, always reports completion, and stays quiet for small runs', () => {
  let now = 0;
  const lines: string[] = [];
  const tick = createProgress({ total: 4, intervalMs: 1000, minHosts: 2, now: () => now, write: (l) => lines.push(l) });
  tick(result(true));
  now = 1500;
  tick(result(false));
  now = 1600;
  tick(result(true));
  tick(result(true));
  assert.deepEqual(lines, ['progress: 2/4 hosts done, 1 failed', 'progress: 4/4 hosts done, 1 failed']);

  const quiet: string[] = [];
  const small = createProgress({ total: 1, intervalMs: 0, minHosts: 2, now: () => 0, write: (l) => quiet.push(l) });
  small(result(true));
  assert.deepEqual(quiet, []);
});
