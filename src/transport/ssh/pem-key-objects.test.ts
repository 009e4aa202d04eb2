import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { it } from 'node:test';
import { keyObjectForPem } from './pem-key-objects.js';

const pair = (type: 'ed25519' | 'rsa'): { priv: string; pub: string } => {
  const { privateKey, publicKey } =
    type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  return {
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    pub: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
};

it('signs and verifies exactly as the PEM strings do (ed25519 and RSA)', () => {
  const data = Buffer.from('exchange hash');
  for (const [type, algo] of [
    ['ed25519', null],
    ['rsa', 'sha256'],
  ] as const) {
    const { priv, pub } = pair(type);
    const key = keyObjectForPem(priv, true);
    assert.equal(typeof key === 'string' ? 'pem' : key.type, 'private', type);
    const signature = sign(algo, data, key);
    assert.deepEqual(signature, sign(algo, data, priv), `${type}: same signature as with the PEM`);
    const pubKey = keyObjectForPem(pub, false);
    assert.equal(typeof pubKey === 'string' ? 'pem' : pubKey.type, 'public', type);
    assert.equal(verify(algo, data, pubKey, signature), true, type);
    assert.equal(verify(algo, Buffer.from('other'), pubKey, signature), false, type);
  }
});

it('builds a private key once; public keys every time', () => {
  const { priv, pub } = pair('ed25519');
  assert.equal(keyObjectForPem(priv, true), keyObjectForPem(priv, true));
  assert.notEqual(keyObjectForPem(pub, false), keyObjectForPem(pub, false));
});

it('hands back what node:crypto cannot read, so sign/verify fail as they did', () => {
  const junk = '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n';
  assert.equal(keyObjectForPem(junk, true), junk);
  assert.equal(keyObjectForPem(junk, false), junk);
  assert.throws(() => sign(null, Buffer.from('x'), keyObjectForPem(junk, true)));
});
