import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Batcher, type BatcherOptions } from './batcher.js';

const S = 1000;

function batcher(options: Partial<BatcherOptions> = {}): Batcher {
  return new Batcher({ collectMs: 5 * S, collectBigMs: 60 * S, syncGapMs: 0, bigThreshold: 0, ...options });
}

/** Drives the batcher like the daemon: one timer to nextDueAt, instant pushes. Returns [time, batch]. */
function runUntil(
  b: Batcher,
  events: Array<[number, string]>,
  end: number,
): Array<[number, string[] | 'full']> {
  const batches: Array<[number, string[] | 'full']> = [];
  const queue = [...events];
  let now = 0;
  while (now <= end) {
    const due = b.nextDueAt(now);
    const nextEvent = queue[0]?.[0];
    if (nextEvent !== undefined && (due === undefined || nextEvent <= due)) {
      now = nextEvent;
      const [, path] = queue.shift() ?? [0, ''];
      b.add([path], now);
      continue;
    }
    if (due === undefined || due > end) break;
    now = due;
    const taken = b.take(now);
    b.batchStarted(now);
    b.batchFinished(now);
    batches.push([now, taken === 'full' ? 'full' : [...taken].sort()]);
  }
  return batches;
}

describe('Batcher timing', () => {
  it('counts the collect window from the first event: writes every 2 s, 5 s window → 5, 11, 17', () => {
    const writes: Array<[number, string]> = [0, 2, 4, 6, 8, 10, 12].map((t) => [t * S, 'passwd']);
    assert.deepEqual(runUntil(batcher(), writes, 30 * S), [
      [5 * S, ['passwd']],
      [11 * S, ['passwd']],
      [17 * S, ['passwd']],
    ]);
  });

  it('later paths join the batch of the first one without extending it', () => {
    const b = batcher();
    b.add(['passwd'], 0);
    b.add(['group'], 4 * S);
    assert.equal(b.nextDueAt(4 * S), 5 * S);
    assert.deepEqual(b.take(4999), new Set());
    assert.deepEqual(b.take(5 * S), new Set(['passwd', 'group']));
    assert.equal(b.nextDueAt(5 * S), undefined);
  });

  it('zero delay: due at once', () => {
    const b = batcher({ collectMs: 0 });
    assert.equal(b.nextDueAt(10), undefined);
    b.add(['passwd'], 10);
    assert.equal(b.nextDueAt(10), 10);
    assert.deepEqual(b.take(10), new Set(['passwd']));
  });

  it('fractional windows are kept exactly (no whole-second rounding)', () => {
    const b = batcher({ collectMs: 250 });
    b.add(['hosts'], 1000);
    assert.equal(b.nextDueAt(1000), 1250);
  });

  it('the sync gap runs from the end of the previous batch', () => {
    const b = batcher({ collectMs: 1 * S, syncGapMs: 5 * S });
    b.add(['passwd'], 0);
    b.take(1 * S);
    b.batchStarted(1 * S);
    b.batchFinished(3 * S); // the push took 2 s
    b.add(['group'], 3500);
    assert.equal(b.nextDueAt(3500), 8 * S);
    assert.deepEqual(b.take(7 * S), new Set());
    assert.deepEqual(b.take(8 * S), new Set(['group']));
  });

  it('events during a running batch wait for the next one', () => {
    const b = batcher({ collectMs: 0 });
    b.add(['passwd'], 0);
    assert.deepEqual(b.take(0), new Set(['passwd']));
    b.batchStarted(0);
    b.add(['passwd', 'shadow'], 100);
    assert.equal(b.nextDueAt(100), undefined, 'nothing is due while a batch runs');
    b.batchFinished(400);
    assert.equal(b.nextDueAt(400), 400);
    assert.deepEqual(b.take(400), new Set(['passwd', 'shadow']));
  });

  it('never reports a due time before now', () => {
    const b = batcher({ collectMs: 1 * S });
    b.add(['a'], 0);
    assert.equal(b.nextDueAt(3 * S), 3 * S);
  });
});

describe('Batcher big files', () => {
  const opts = { collectMs: 1 * S, collectBigMs: 30 * S, bigThreshold: 1000 };

  it('files at or above the threshold wait for their own window', () => {
    const b = batcher(opts);
    b.add(['image', 'passwd'], 0, { sizes: new Map([['image', 1000]]) });
    assert.equal(b.nextDueAt(0), 1 * S);
    assert.deepEqual(b.take(1 * S), new Set(['passwd']));
    assert.equal(b.nextDueAt(1 * S), 30 * S);
    assert.deepEqual(b.take(30 * S), new Set(['image']));
  });

  it('a small write to a pending big file moves it to the normal queue', () => {
    const b = batcher(opts);
    b.add(['image'], 0, { sizes: new Map([['image', 5000]]) });
    b.add(['image'], 2 * S); // truncated: no size any more
    assert.equal(b.nextDueAt(2 * S), 2 * S, 'its first event was at 0: the 1 s window is over');
    assert.deepEqual(b.take(2 * S), new Set(['image']));
  });

  it('threshold 0 disables the big-file queue', () => {
    const b = batcher({ ...opts, bigThreshold: 0 });
    b.add(['image'], 0, { sizes: new Map([['image', 10 ** 9]]) });
    assert.equal(b.nextDueAt(0), 1 * S);
  });
});

describe('Batcher open-for-write holds', () => {
  it('holds a file until a later add without the open mark (close-write), then syncs it', () => {
    const b = batcher({ collectMs: 1 * S });
    b.add(['log.tmp'], 0, { openForWrite: new Set(['log.tmp']) });
    b.add(['passwd'], 0);
    assert.equal(b.heldPaths, 1);
    assert.deepEqual(b.take(1 * S), new Set(['passwd']), 'the half-written file stays behind');
    assert.equal(b.nextDueAt(1 * S), 5 * S, 'the cap (min 5 s) is the only known time');
    b.add(['log.tmp'], 1300); // IN_CLOSE_WRITE
    assert.equal(b.heldPaths, 0);
    assert.equal(b.nextDueAt(1300), 1300, 'its window (from the first event, 0) is long over');
    assert.deepEqual(b.take(1300), new Set(['log.tmp']));
  });

  it('a file written again while held keeps its first hold time', () => {
    const b = batcher({ collectMs: 0 });
    const open = { openForWrite: new Set(['f']) };
    b.add(['f'], 0, open);
    b.add(['f'], 3 * S, open);
    assert.equal(b.nextDueAt(3 * S), 5 * S);
  });

  it('releases a file that never closes after the cap, with one warning per path', () => {
    const warnings: string[] = [];
    const b = batcher({ collectMs: 4 * S, onWarning: (m) => warnings.push(m) });
    const open = { openForWrite: new Set(['var/log']) };
    b.add(['var/log'], 0, open);
    assert.equal(b.nextDueAt(0), 8 * S, 'cap = 2 × collect');
    assert.deepEqual(b.take(7999), new Set());
    assert.deepEqual(b.take(8 * S), new Set(['var/log']));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /"var\/log" is still open for writing after 8\.0 s/);
    b.add(['var/log'], 9 * S, open);
    assert.deepEqual(b.take(17 * S), new Set(['var/log']));
    assert.equal(warnings.length, 1, 'the same log is not reported again');
    b.add(['var/log'], 18 * S); // closed at last
    b.take(22 * S);
    b.add(['var/log'], 23 * S, open);
    b.take(31 * S);
    assert.equal(warnings.length, 2, 'after a close it is news again');
  });

  it('an explicit holdCapMs wins', () => {
    const b = batcher({ collectMs: 0, holdCapMs: 700 });
    b.add(['f'], 0, { openForWrite: new Set(['f']) });
    assert.equal(b.nextDueAt(0), 700);
  });

  it('big files are capped at 2 × the big window', () => {
    const b = batcher({ collectMs: 1 * S, collectBigMs: 10 * S, bigThreshold: 100 });
    b.add(['iso'], 0, { openForWrite: new Set(['iso']), sizes: new Map([['iso', 500]]) });
    assert.equal(b.nextDueAt(0), 20 * S);
  });
});

describe('Batcher full rescan', () => {
  it('is sticky until taken and replaces everything pending', () => {
    const b = batcher({ collectMs: 2 * S });
    b.add(['passwd'], 0);
    b.addHints({ paths: new Set(), fullRescan: true, reason: 'overflow' }, 1 * S);
    b.add(['group'], 1500, { openForWrite: new Set(['group']) });
    assert.equal(b.fullRescanReason, 'overflow');
    assert.equal(b.nextDueAt(1500), 2 * S);
    assert.equal(b.take(2 * S), 'full');
    assert.equal(b.pendingPaths, 0);
    assert.equal(b.nextDueAt(2 * S), undefined);
    assert.equal(b.fullRescanReason, undefined);
  });

  it('a second request keeps the first reason and time', () => {
    const b = batcher({ collectMs: 2 * S });
    b.requestFullRescan(0, 'overflow');
    b.requestFullRescan(1 * S, 'helper restarted');
    assert.equal(b.fullRescanReason, 'overflow');
    assert.equal(b.nextDueAt(1 * S), 2 * S);
  });

  it('respects the sync gap and a running batch', () => {
    const b = batcher({ collectMs: 0, syncGapMs: 3 * S });
    b.batchStarted(0);
    b.requestFullRescan(1 * S);
    assert.equal(b.nextDueAt(1 * S), undefined);
    assert.deepEqual(b.take(1 * S), new Set(), 'nothing is due while a batch runs');
    b.batchFinished(2 * S);
    assert.equal(b.nextDueAt(2 * S), 5 * S);
    assert.equal(b.take(5 * S), 'full');
  });

  it('addHints carries paths, sizes and holds', () => {
    const b = batcher({ collectMs: 0, bigThreshold: 10 });
    b.addHints(
      {
        paths: new Set(['a', 'big', 'open']),
        fullRescan: false,
        openForWrite: new Set(['open']),
        sizes: new Map([['big', 11]]),
      },
      0,
    );
    assert.equal(b.heldPaths, 1);
    assert.deepEqual(b.take(0), new Set(['a']));
  });
});
