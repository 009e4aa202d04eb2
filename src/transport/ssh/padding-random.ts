// Random bytes for ssh2's packet padding, from a pool. ssh2 fills the 4 to 19 padding bytes of every
// packet it sends with crypto.randomFillSync; each call crosses into C++ and costs about 12 µs here,
// which is 30 ms of CPU in a 50-file push to 8 nodes (2,400 SFTP packets). This hands out the bytes
// of a block filled by the same CSPRNG instead, every byte once, and fills a new block when the
// current one is used up: the padding is exactly as random, at one native call per 1,000 packets.
// scripts/bundle.mjs makes ssh2's lib/protocol/crypto.js (the packet ciphers) use this function;
// the key exchange and everything else keep calling node:crypto directly.
import { randomFillSync as fillFromCsprng } from 'node:crypto';

/** Bytes per refill. */
export const POOL_BYTES = 16 * 1024;
/** Bigger requests than this go straight to node:crypto (the pool is for padding-sized ones). */
export const MAX_POOLED_REQUEST = 256;

const pool = Buffer.allocUnsafe(POOL_BYTES);
let used = POOL_BYTES; // empty: the first request fills it

/** Same contract as node:crypto's randomFillSync(buf, offset, size) for Buffers and Uint8Arrays. */
export function randomFillSync<T extends NodeJS.ArrayBufferView>(buf: T, offset = 0, size?: number): T {
  const n = size ?? buf.byteLength - offset;
  if (
    !(buf instanceof Uint8Array) ||
    n > MAX_POOLED_REQUEST ||
    offset < 0 ||
    n < 0 ||
    offset + n > buf.length
  ) {
    return fillFromCsprng(buf, offset, size); // node:crypto also does the argument checks
  }
  if (used + n > POOL_BYTES) {
    fillFromCsprng(pool);
    used = 0;
  }
  // padding is a few bytes: a loop beats a native copy call. A byte handed out is zeroed in the
  // pool and `used` moves past it: it is never handed out again.
  for (let k = 0; k < n; k++) {
    buf[offset + k] = pool[used + k] as number;
    pool[used + k] = 0;
  }
  used += n;
  return buf;
}
