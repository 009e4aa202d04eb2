import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeAddWatch, encodeRecord, encodeRemoveWatch, RecordDecoder } from './helper-protocol.js';
import { decodeInotifyEvents, encodeInotifyEvents } from './inotify-event.js';
import { IN_CREATE, IN_ISDIR, IN_Q_OVERFLOW } from './inotify-mask.js';

describe('helper protocol', () => {
  it('frames an add-watch request with the raw path bytes (newline and all)', () => {
    const path = Buffer.from('/etc/we\nird $(x) -dash é', 'utf8');
    const frame = encodeAddWatch(7, path);
    assert.equal(frame.readUInt32LE(0), frame.length - 4);
    assert.equal(frame.readUInt8(4), 1);
    assert.equal(frame.readInt32LE(5), 7);
    assert.deepEqual(frame.subarray(13), path);
    assert.deepEqual([...encodeRemoveWatch(42).subarray(4, 9)], [2, 42, 0, 0, 0]);
  });

  it('reassembles records split and joined arbitrarily', () => {
    const stream = Buffer.concat([
      encodeRecord(4, 1234, 0, Buffer.alloc(0)),
      encodeRecord(2, 1, 5, Buffer.from('/tmp/a\nb')),
      encodeRecord(3, 2, 28, Buffer.from('/tmp/full')),
      encodeRecord(1, 0, 0, Buffer.from([1, 2, 3, 4])),
    ]);
    for (const step of [1, 3, 7, 13, stream.length]) {
      const decoder = new RecordDecoder();
      const records = [];
      for (let offset = 0; offset < stream.length; offset += step) {
        records.push(...decoder.push(stream.subarray(offset, offset + step)));
      }
      assert.deepEqual(records, [
        { type: 'ready', pid: 1234 },
        { type: 'added', requestId: 1, wd: 5, path: Buffer.from('/tmp/a\nb') },
        { type: 'add-failed', requestId: 2, errno: 28, path: Buffer.from('/tmp/full') },
        { type: 'events', data: Buffer.from([1, 2, 3, 4]) },
      ]);
    }
  });

  it('refuses an unknown record type (a garbled stream)', () => {
    assert.throws(
      () => new RecordDecoder().push(encodeRecord(9, 0, 0, Buffer.alloc(0))),
      /unknown record type 9/,
    );
  });
});

describe('inotify event decoding', () => {
  it('round-trips events in both byte orders, NUL padding removed', () => {
    const events = [
      { wd: 1, mask: IN_CREATE | IN_ISDIR, cookie: 0, name: Buffer.from('new\ndir') },
      { wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: Buffer.alloc(0) },
      { wd: 3, mask: 0x40, cookie: 99, name: Buffer.from('abc') },
    ];
    for (const order of ['LE', 'BE'] as const) {
      const raw = encodeInotifyEvents(events, order);
      assert.equal(raw.length % 4, 0);
      assert.deepEqual(decodeInotifyEvents(raw, order), events);
    }
  });

  it('reports a truncated buffer instead of inventing an event', () => {
    const raw = encodeInotifyEvents(
      [{ wd: 1, mask: IN_CREATE, cookie: 0, name: Buffer.from('abcdef') }],
      'LE',
    );
    assert.throws(
      () => decodeInotifyEvents(raw.subarray(0, raw.length - 4), 'LE'),
      /truncated inotify event/,
    );
  });
});
