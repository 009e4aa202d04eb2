// Decoding of the raw inotify read() buffer the helper forwards: struct inotify_event
// { int wd; uint32_t mask; uint32_t cookie; uint32_t len; char name[len] } in the host's byte order,
// name NUL-padded. Pure, so the decoding is tested without a kernel.
import { endianness } from 'node:os';

export interface InotifyEvent {
  /** Watch descriptor; -1 for IN_Q_OVERFLOW. */
  readonly wd: number;
  readonly mask: number;
  /** Pairs IN_MOVED_FROM with its IN_MOVED_TO; 0 otherwise. */
  readonly cookie: number;
  /** Raw bytes of the entry name (no NUL); empty for events about the watched directory itself. */
  readonly name: Buffer;
}

const EVENT_HEADER_BYTES = 16;

export function decodeInotifyEvents(buffer: Buffer, byteOrder: 'LE' | 'BE' = endianness()): InotifyEvent[] {
  const events: InotifyEvent[] = [];
  const little = byteOrder === 'LE';
  let offset = 0;
  while (offset + EVENT_HEADER_BYTES <= buffer.length) {
    const wd = little ? buffer.readInt32LE(offset) : buffer.readInt32BE(offset);
    const mask = little ? buffer.readUInt32LE(offset + 4) : buffer.readUInt32BE(offset + 4);
    const cookie = little ? buffer.readUInt32LE(offset + 8) : buffer.readUInt32BE(offset + 8);
    const nameBytes = little ? buffer.readUInt32LE(offset + 12) : buffer.readUInt32BE(offset + 12);
    const nameStart = offset + EVENT_HEADER_BYTES;
    const nameEnd = nameStart + nameBytes;
    if (nameEnd > buffer.length) {
      // read() never returns a partial event; a short buffer means a broken helper, not a race
      throw new Error(`truncated inotify event at byte ${offset} of ${buffer.length}`);
    }
    const padded = buffer.subarray(nameStart, nameEnd);
    const nul = padded.indexOf(0);
    events.push({ wd, mask, cookie, name: nul === -1 ? padded : padded.subarray(0, nul) });
    offset = nameEnd;
  }
  if (offset !== buffer.length)
    throw new Error(`trailing ${buffer.length - offset} bytes after inotify events`);
  return events;
}

/** Inverse of decodeInotifyEvents, for tests (names padded to 4 bytes like the kernel does). */
export function encodeInotifyEvents(
  events: readonly InotifyEvent[],
  byteOrder: 'LE' | 'BE' = endianness(),
): Buffer {
  const parts = events.map((event) => {
    const nameBytes = event.name.length === 0 ? 0 : (event.name.length + 4) & ~3;
    const record = Buffer.alloc(EVENT_HEADER_BYTES + nameBytes);
    const little = byteOrder === 'LE';
    if (little) {
      record.writeInt32LE(event.wd, 0);
      record.writeUInt32LE(event.mask >>> 0, 4);
      record.writeUInt32LE(event.cookie, 8);
      record.writeUInt32LE(nameBytes, 12);
    } else {
      record.writeInt32BE(event.wd, 0);
      record.writeUInt32BE(event.mask >>> 0, 4);
      record.writeUInt32BE(event.cookie, 8);
      record.writeUInt32BE(nameBytes, 12);
    }
    event.name.copy(record, EVENT_HEADER_BYTES);
    return record;
  });
  return Buffer.concat(parts);
}
