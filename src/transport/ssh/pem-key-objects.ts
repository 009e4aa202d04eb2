// Keys for ssh2's signatures as KeyObjects instead of PEM strings. ssh2 passes the PEM text of a key
// to crypto.sign/verify on every call, and OpenSSL 3 then decodes it each time, trying one format
// after another. Measured on the lab VM (ed25519): verify 1.55 ms with the PEM string against
// 0.17 ms to build a KeyObject plus 0.09 ms to verify with it; sign 0.96 ms against 0.42 ms with a
// KeyObject built once. That is ~2 ms of CPU per connection on the thread that runs every
// handshake: 16 ms for 8 nodes, 64 ms for 32. scripts/bundle.mjs makes ssh2's lib/protocol/
// keyParser.js call this; the signatures themselves are unchanged.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** Our identities: a handful per process, signed with on every connection. */
const privateKeys = new Map<string, KeyObject | string>();
const MAX_CACHED_PRIVATE_KEYS = 64;

/**
 * The KeyObject for `pem`, or `pem` itself when node:crypto cannot build one (crypto.sign/verify
 * then decode it as before, and fail as before). Private keys are built once; a host's public key
 * is verified with once per connection, so it is not kept.
 */
export function keyObjectForPem(pem: string, isPrivate: boolean): KeyObject | string {
  if (!isPrivate) return build(createPublicKey, pem);
  let key = privateKeys.get(pem);
  if (key === undefined) {
    key = build(createPrivateKey, pem);
    if (privateKeys.size < MAX_CACHED_PRIVATE_KEYS) privateKeys.set(pem, key);
  }
  return key;
}

function build(create: (pem: string) => KeyObject, pem: string): KeyObject | string {
  try {
    return create(pem);
  } catch {
    return pem;
  }
}
