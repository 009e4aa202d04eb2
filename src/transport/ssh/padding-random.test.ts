import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MAX_POOLED_REQUEST, POOL_BYTES, randomFillSync } from './padding-random.js';

it('fills exactly the range asked for and returns the buffer', () => {
  const buf = Buffer.alloc(40, 0xaa);
  assert.equal(randomFillSync(buf, 5, 19), buf);
  assert.ok(buf.subarray(0, 5).every((b) => b === 0xaa));
  assert.ok(buf.subarray(24).every((b) => b === 0xaa));
  const whole = Buffer.alloc(16);
  randomFillSync(whole); // offset and size default to the whole buffer
  assert.ok(whole.some((b) => b !== 0));
});

it('never hands out the same bytes twice, across refills of the pool', () => {
  const seen = new Set<string>();
  const chunk = 16;
  for (let i = 0; i < (3 * POOL_BYTES) / chunk; i++) {
    const hex = randomFillSync(Buffer.alloc(chunk), 0, chunk).toString('hex');
    assert.ok(!seen.has(hex), `chunk ${i} repeats an earlier one`);
    assert.notEqual(hex, '00'.repeat(chunk), `chunk ${i} is all zero (pool not refilled)`);
    seen.add(hex);
  }
});

it('passes big requests and bad arguments to node:crypto', () => {
  const big = randomFillSync(Buffer.alloc(MAX_POOLED_REQUEST + 1));
  assert.ok(big.some((b) => b !== 0));
  assert.throws(() => randomFillSync(Buffer.alloc(8), 4, 8), RangeError);
  assert.throws(() => randomFillSync(Buffer.alloc(8), -1, 2), RangeError);
});
