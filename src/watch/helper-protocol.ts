// The byte protocol between the watcher and its inotify helper process. Paths travel as
// length-prefixed raw bytes, so a name may hold any byte but NUL (newlines included).
// Every frame, both directions: u32 length of the rest, u8 type, i32 a, i32 b, payload; little-endian.

const FRAME_HEADER_BYTES = 13;
const LENGTH_BYTES = 4;

const ADD_WATCH = 1;
const REMOVE_WATCH = 2;

export type HelperRecord =
  /** A raw inotify read() buffer; decode with decodeInotifyEvents. */
  | { readonly type: 'events'; readonly data: Buffer }
  | { readonly type: 'added'; readonly requestId: number; readonly wd: number; readonly path: Buffer }
  | { readonly type: 'add-failed'; readonly requestId: number; readonly errno: number; readonly path: Buffer }
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'init-failed'; readonly errno: number };

function frame(type: number, a: number, b: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payload.length + FRAME_HEADER_BYTES - LENGTH_BYTES, 0);
  header.writeUInt8(type, 4);
  header.writeInt32LE(a, 5);
  header.writeInt32LE(b, 9);
  return Buffer.concat([header, payload]);
}

export function encodeAddWatch(requestId: number, absolutePath: Buffer): Buffer {
  return frame(ADD_WATCH, requestId, 0, absolutePath);
}

export function encodeRemoveWatch(wd: number): Buffer {
  return frame(REMOVE_WATCH, wd, 0, Buffer.alloc(0));
}

/** Helper-side encoding, for tests of the decoder. */
export function encodeRecord(type: number, a: number, b: number, payload: Buffer): Buffer {
  return frame(type, a, b, payload);
}

/** Reassembles records from stdout chunks, which split and join frames arbitrarily. */
export class RecordDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): HelperRecord[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const records: HelperRecord[] = [];
    let offset = 0;
    while (this.pending.length - offset >= FRAME_HEADER_BYTES) {
      const size = this.pending.readUInt32LE(offset) + LENGTH_BYTES;
      if (size < FRAME_HEADER_BYTES) throw new Error(`inotify helper sent a ${size}-byte frame`);
      if (this.pending.length - offset < size) break;
      const type = this.pending.readUInt8(offset + 4);
      const a = this.pending.readInt32LE(offset + 5);
      const b = this.pending.readInt32LE(offset + 9);
      // copy: the payload must outlive `pending`, which is reused for the next chunk
      const payload = Buffer.from(this.pending.subarray(offset + FRAME_HEADER_BYTES, offset + size));
      records.push(toRecord(type, a, b, payload));
      offset += size;
    }
    this.pending = this.pending.subarray(offset);
    return records;
  }
}

function toRecord(type: number, a: number, b: number, payload: Buffer): HelperRecord {
  switch (type) {
    case 1:
      return { type: 'events', data: payload };
    case 2:
      return { type: 'added', requestId: a, wd: b, path: payload };
    case 3:
      return { type: 'add-failed', requestId: a, errno: b, path: payload };
    case 4:
      return { type: 'ready', pid: a };
    case 5:
      return { type: 'init-failed', errno: b };
    default:
      throw new Error(`inotify helper sent an unknown record type ${type}`);
  }
}
