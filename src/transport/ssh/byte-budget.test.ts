import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ByteBudget } from './byte-budget.js';

it('ByteBudget admits in order up to the limit, and an oversize request alone', async () => {
  const b = new ByteBudget(100);
  const order: string[] = [];
  const seen = (what: string): void => void order.push(what);
  await b.acquire(60);
  const second = b.acquire(60).then(() => seen('second'));
  const third = b.acquire(10).then(() => seen('third')); // fits, but FIFO keeps it behind second
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, []);
  b.release(60);
  await Promise.all([second, third]);
  assert.deepEqual(order, ['second', 'third']);
  b.release(70);
  await b.acquire(500); // larger than the budget: admitted when nothing else is in flight
  const after = b.acquire(1).then(() => seen('after'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['second', 'third']);
  b.release(500);
  await after;
});
