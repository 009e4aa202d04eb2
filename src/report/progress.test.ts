import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress } from './progress.js';

const result = (ok: boolean) => ({ host: 'h', batchId: 'b', ok, startedAt: 0, finishedAt: 0 });

test('host lines are rate limited, always report completion, and stay quiet for small runs', () => {
  let now = 0;
  const lines: string[] = [];
  const p = createProgress({
    total: 4,
    intervalMs: 1000,
    minHosts: 2,
    heartbeatMs: 60_000,
    now: () => now,
    write: (l) => lines.push(l),
  });
  p.hostDone(result(true));
  now = 1500;
  p.hostDone(result(false));
  now = 1600;
  p.hostDone(result(true));
  p.hostDone(result(true));
  assert.deepEqual(lines, ['progress: 2/4 hosts done, 1 failed', 'progress: 4/4 hosts done, 1 failed']);

  const quiet: string[] = [];
  const small = createProgress({
    total: 1,
    intervalMs: 0,
    minHosts: 2,
    heartbeatMs: 60_000,
    now: () => 0,
    write: (l) => quiet.push(l),
  });
  small.hostDone(result(true));
  assert.deepEqual(quiet, []);
});

test('a long push to a few hosts gets a heartbeat, with the changes applied when the transport counts them', () => {
  let now = 0;
  const lines: string[] = [];
  const p = createProgress({
    total: 8,
    intervalMs: 2000,
    minHosts: 16,
    heartbeatMs: 15_000,
    now: () => now,
    write: (l) => lines.push(l),
  });
  p.planned(90_300, 8);
  now = 14_999;
  p.tick();
  assert.deepEqual(lines, [], 'not before the first 15 s');
  for (let i = 0; i < 41_200; i++) p.changeApplied();
  now = 15_000;
  p.tick();
  now = 16_000;
  p.tick(); // not again for 15 s
  p.hostDone(result(true));
  now = 30_400;
  p.tick();
  for (let i = 0; i < 7; i++) p.hostDone(result(i > 0));
  now = 60_000;
  p.tick(); // all done: nothing more to say
  assert.deepEqual(lines, [
    'still pushing (15 s): 41,200 of 722,400 changes applied, 0/8 hosts done',
    'still pushing (30 s): 41,200 of 722,400 changes applied, 1/8 hosts done',
  ]);

  const pdcp: string[] = [];
  const rounds = createProgress({
    total: 2,
    intervalMs: 2000,
    minHosts: 16,
    heartbeatMs: 15_000,
    now: () => now,
    write: (l) => pdcp.push(l),
  });
  now += 15_000;
  rounds.tick();
  assert.deepEqual(pdcp, ['still pushing (15 s): 0/2 hosts done'], 'a transport that does not count changes');
});
