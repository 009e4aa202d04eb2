import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRetryable, retryDelay, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = { baseMs: 1000, capMs: 5000, jitter: 0.2 };

test('delay doubles per attempt and stops at the cap', () => {
  const mid = () => 0.5; // jitter centred: exactly the nominal delay
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((a) => retryDelay(a, policy, mid)),
    [1000, 2000, 4000, 5000, 5000],
  );
});

test('jitter stays within ±jitter of the nominal delay', () => {
  assert.equal(
    retryDelay(2, policy, () => 0),
    1600,
  );
  assert.equal(
    retryDelay(2, policy, () => 0.999999),
    2400,
  );
});

test('only transient classes are retried', () => {
  assert.equal(isRetryable('unreachable'), true);
  assert.equal(isRetryable('timeout'), true);
  assert.equal(isRetryable('remote-io'), true);
  assert.equal(isRetryable('auth'), false);
  assert.equal(isRetryable('hostkey'), false);
  assert.equal(isRetryable('validation'), false);
  assert.equal(isRetryable('other', 'remote-pdcp-missing'), false);
  // a full or read-only node disk does not heal within a one-shot run's seconds
  assert.equal(isRetryable('remote-io', 'ENOSPC'), false);
  assert.equal(isRetryable('remote-io', 'EROFS'), false);
  assert.equal(isRetryable('remote-io', 'EACCES'), true);
});
