// Key pairs for tests. ssh2's generateKeyPairSync emits a malformed key about 1 time in 150 (a
// 32-byte ed25519 key with a leading zero byte comes out 31 bytes long), which made tests flaky:
// draw again until both halves parse.
import ssh2 from 'ssh2';

type KeyType = 'ed25519' | 'ecdsa';

export function generateKeyPair(type: KeyType = 'ed25519'): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair =
      type === 'ecdsa'
        ? ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 })
        : ssh2.utils.generateKeyPairSync('ed25519');
    if (
      !(ssh2.utils.parseKey(pair.public) instanceof Error) &&
      !(ssh2.utils.parseKey(pair.private) instanceof Error)
    )
      return pair;
  }
  throw new Error('ssh2 could not generate a well-formed key pair in 20 attempts');
}
