import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostHealth } from './host-health.js';

const policy = { baseMs: 1000, capMs: 4000, jitter: 0 };
const refused = { class: 'unreachable' as const, message: 'Connection refused' };

test('a host goes down once, backs off exponentially, and comes up once', () => {
  const health = new HostHealth(policy, () => 0.5);
  assert.deepEqual(health.recordFailure('n3', refused, 0), { type: 'host-down', host: 'n3', error: refused });
  assert.deepEqual(health.healthy(['n1', 'n3']), ['n1']);
  assert.equal(health.nextDueAt(), 1000);
  assert.deepEqual(health.due(999), []);
  assert.deepEqual(health.due(1000), ['n3']);
  assert.equal(health.recordFailure('n3', refused, 1000), undefined, 'no second down event');
  assert.equal(health.nextDueAt(), 3000);
  health.recordFailure('n3', refused, 3000);
  health.recordFailure('n3', refused, 7000);
  assert.equal(health.nextDueAt(), 11000, 'capped at 4 s');
  assert.deepEqual(health.recordSuccess('n3', 12000), {
    type: 'host-up',
    host: 'n3',
    downForMs: 12000,
    failures: 4,
    lastError: refused,
  });
  assert.equal(health.recordSuccess('n3', 13000), undefined);
  assert.deepEqual(health.healthy(['n1', 'n3']), ['n1', 'n3']);
  assert.equal(health.nextDueAt(), undefined);
});

test('hosts dropped from the list are forgotten', () => {
  const health = new HostHealth(policy, () => 0.5);
  health.recordFailure('gone', refused, 0);
  health.retain(['n1']);
  assert.equal(health.downCount(), 0);
});

test('a round that failed as a whole (state dir full) backs off together and is retried together', () => {
  const health = new HostHealth(policy, Math.random);
  const full = { class: 'other' as const, code: 'state-dir', message: 'ENOSPC' };
  health.recordFailure('n2', refused, 0); // already down once: the round follows the longest count
  health.recordRoundFailure(['n1', 'n2', 'n3'], full, 500);
  assert.deepEqual(health.healthy(['n1', 'n2', 'n3']), []);
  const at = health.nextDueAt() ?? NaN;
  assert.equal(at, 2500, 'second failure: 2 s (no jitter in this policy)');
  assert.deepEqual(health.due(at), ['n2', 'n1', 'n3']);
  assert.deepEqual(health.recordSuccess('n1', 3000), {
    type: 'host-up',
    host: 'n1',
    downForMs: 2500,
    failures: 1,
    lastError: full,
  });
});
