// The pool with fake connections: prewarm hands its attempt to the next acquire (one attempt per
// host, its error included), is off when connections are kept, and closeAll stops what nobody took.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SshConnection } from './connect-ssh.js';
import { ConnectionPool } from './connection-pool.js';

interface FakeConnection extends SshConnection {
  closed: boolean;
}

function fakeConnection(host: string): FakeConnection {
  const listeners: (() => void)[] = [];
  const conn = {
    endpoint: { host } as unknown as SshConnection['endpoint'],
    session: {} as SshConnection['session'],
    dead: false,
    closed: false,
    onClose: (listener: () => void) => void listeners.push(listener),
    close: () => {
      if (conn.closed) return;
      conn.closed = true;
      conn.dead = true;
      for (const listener of listeners) listener();
    },
  };
  return conn;
}

/** openConnection that resolves or fails when the test says so, and records every call. */
function scriptedOpener() {
  const calls: { host: string; signal: AbortSignal | undefined; settle: (ok: boolean) => void }[] = [];
  const open = (host: string, signal: AbortSignal | undefined) =>
    new Promise<SshConnection>((resolve, reject) => {
      const settle = (ok: boolean) =>
        ok ? resolve(fakeConnection(host)) : reject(new Error(`${host}: refused`));
      signal?.addEventListener('abort', () => reject(new Error(`${host}: aborted`)), { once: true });
      calls.push({ host, signal, settle });
    });
  return { calls, open };
}

test('prewarm starts the attempt; acquire takes it over instead of connecting again', async () => {
  const { calls, open } = scriptedOpener();
  const pool = new ConnectionPool(open, false, 60_000);
  pool.prewarm('n1');
  pool.prewarm('n1'); // already warming: no second attempt
  assert.equal(calls.length, 1);
  const acquired = pool.acquire('n1');
  calls[0]?.settle(true);
  const { conn, reused } = await acquired;
  assert.equal(reused, false);
  assert.equal(calls.length, 1);
  assert.deepEqual(pool.stats(), {
    connectAttempts: 1,
    connectsOpened: 1,
    connectionsReused: 0,
    connectionsClosed: 0,
    open: 1,
  });
  pool.release('n1', conn);
  assert.equal((conn as FakeConnection).closed, true, 'one-shot: released connections close');
});

test('a prewarmed attempt that fails is the acquire error (no second try)', async () => {
  const { calls, open } = scriptedOpener();
  const pool = new ConnectionPool(open, false, 60_000);
  pool.prewarm('n2');
  calls[0]?.settle(false);
  await assert.rejects(pool.acquire('n2'), /n2: refused/);
  assert.equal(calls.length, 1);
  // the next acquire connects anew (a retry)
  const again = pool.acquire('n2');
  calls[1]?.settle(true);
  await again;
  assert.equal(calls.length, 2);
});

test('prewarm does nothing when connections are kept (watch mode)', () => {
  const { calls, open } = scriptedOpener();
  const pool = new ConnectionPool(open, true, 60_000);
  pool.prewarm('n3');
  assert.equal(calls.length, 0);
});

test('closeAll stops attempts nobody took, and closes one that connected meanwhile', async () => {
  const { calls, open } = scriptedOpener();
  const pool = new ConnectionPool(open, false, 60_000);
  pool.prewarm('n4');
  pool.prewarm('n5');
  calls[1]?.settle(true); // n5 connected, but its host had nothing left to send
  await new Promise((resolve) => setImmediate(resolve));
  await pool.closeAll();
  assert.equal(calls[0]?.signal?.aborted, true);
  assert.equal(pool.stats().open, 0);
  pool.prewarm('n6'); // after close: nothing starts
  assert.equal(calls.length, 2);
});

test('an aborted push stops waiting for its prewarmed attempt; the late connection is closed', async () => {
  const { calls, open } = scriptedOpener();
  const pool = new ConnectionPool(open, false, 60_000);
  pool.prewarm('n7');
  const ac = new AbortController();
  const acquired = pool.acquire('n7', ac.signal);
  ac.abort(new Error('stopped'));
  await assert.rejects(acquired, /stopped/);
  calls[0]?.settle(true);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pool.stats().open, 0);
  assert.equal(pool.stats().connectionsClosed, 1);
});
