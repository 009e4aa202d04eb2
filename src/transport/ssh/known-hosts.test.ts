import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateKeyPair } from '../../../test/helpers/ssh-keys.js';
import {
  checkHostKey,
  formatKnownHostsLine,
  keyFingerprint,
  keyTypeOfBlob,
  knownHostsName,
  parseKnownHosts,
} from './known-hosts.js';

function newKey(type: 'ed25519' | 'ecdsa' = 'ed25519'): { blob: Buffer; text: string } {
  const pair = type === 'ecdsa' ? generateKeyPair('ecdsa') : generateKeyPair('ed25519');
  const [kt, b64] = pair.public.split(' ');
  return { blob: Buffer.from(b64 ?? '', 'base64'), text: `${kt} ${b64}` };
}

const A = newKey();
const B = newKey();
const C = newKey('ecdsa');

describe('known_hosts', () => {
  it('plain lines: name,ip list, comments, blank lines', () => {
    const kh = parseKnownHosts(
      `# lab\n\nnode01,10.231.0.11 ${A.text} root@vm\nnode02,10.231.0.12 ${B.text}\n`,
      'kh',
    );
    assert.equal(kh.entries.length, 2);
    assert.equal(checkHostKey(kh.entries, 'node01', A.blob).verdict, 'match');
    assert.equal(checkHostKey(kh.entries, '10.231.0.11', A.blob).verdict, 'match');
    assert.equal(checkHostKey(kh.entries, 'node01', B.blob).verdict, 'changed');
    assert.equal(checkHostKey(kh.entries, 'node03', A.blob).verdict, 'unknown');
    const changed = checkHostKey(kh.entries, 'node01', B.blob);
    assert.equal(changed.entry?.line, 3);
  });

  it('a key of another type than the known ones is unknown, not changed (as ssh)', () => {
    const kh = parseKnownHosts(`node01 ${C.text}\n`, 'kh');
    const r = checkHostKey(kh.entries, 'node01', A.blob);
    assert.equal(r.verdict, 'unknown');
    assert.deepEqual(r.knownTypes, ['ecdsa-sha2-nistp256']);
  });

  it('several keys for a host: any match wins', () => {
    const kh = parseKnownHosts(`node01 ${B.text}\nnode01 ${A.text}\n`, 'kh');
    assert.equal(checkHostKey(kh.entries, 'node01', A.blob).verdict, 'match');
  });

  it('[host]:port form and the lookup name', () => {
    assert.equal(knownHostsName('Node01', 22), 'node01');
    assert.equal(knownHostsName('node01', 2222), '[node01]:2222');
    const kh = parseKnownHosts(`[node01]:2222 ${A.text}\n`, 'kh');
    assert.equal(checkHostKey(kh.entries, '[node01]:2222', A.blob).verdict, 'match');
    assert.equal(checkHostKey(kh.entries, 'node01', A.blob).verdict, 'unknown');
  });

  it('wildcards and negation in the host field', () => {
    const kh = parseKnownHosts(`node*,!node09 ${A.text}\n`, 'kh');
    assert.equal(checkHostKey(kh.entries, 'node05', A.blob).verdict, 'match');
    assert.equal(checkHostKey(kh.entries, 'node09', A.blob).verdict, 'unknown');
  });

  it('hashed entries (HMAC-SHA1 of the name, computed here)', () => {
    const salt = Buffer.from('0123456789abcdef0123');
    const hash = createHmac('sha1', salt).update('node01').digest();
    const kh = parseKnownHosts(`|1|${salt.toString('base64')}|${hash.toString('base64')} ${A.text}\n`, 'kh');
    assert.equal(checkHostKey(kh.entries, 'node01', A.blob).verdict, 'match');
    assert.equal(checkHostKey(kh.entries, 'node01', B.blob).verdict, 'changed');
    assert.equal(checkHostKey(kh.entries, 'node02', A.blob).verdict, 'unknown');
  });

  it('hashed entries written by ssh-keygen -H', { skip: !existsSync('/usr/bin/ssh-keygen') }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-'));
    try {
      const file = join(dir, 'known_hosts');
      writeFileSync(file, `node01,10.231.0.11 ${A.text}\n[node02]:2222 ${B.text}\n`);
      execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
      const text = readFileSync(file, 'utf8');
      assert.ok(!text.includes('node01'), 'names are hashed');
      const kh = parseKnownHosts(text, file);
      assert.equal(kh.entries.length, 3); // one line per name
      assert.equal(checkHostKey(kh.entries, 'node01', A.blob).verdict, 'match');
      assert.equal(checkHostKey(kh.entries, '10.231.0.11', A.blob).verdict, 'match');
      assert.equal(checkHostKey(kh.entries, '[node02]:2222', B.blob).verdict, 'match');
      assert.equal(checkHostKey(kh.entries, 'node02', B.blob).verdict, 'unknown');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('@revoked refuses the key even when a plain line matches', () => {
    const kh = parseKnownHosts(`node01 ${A.text}\n@revoked * ${A.text}\n`, 'kh');
    const r = checkHostKey(kh.entries, 'node01', A.blob);
    assert.equal(r.verdict, 'revoked');
    assert.equal(r.entry?.line, 2);
  });

  it('@cert-authority lines are read but never match a plain key', () => {
    const kh = parseKnownHosts(`@cert-authority *.example ${A.text}\n`, 'kh');
    const r = checkHostKey(kh.entries, 'n1.example', A.blob);
    assert.equal(r.verdict, 'unknown');
    assert.equal(r.certAuthorityOnly, true);
  });

  it('malformed lines are skipped with a note', () => {
    const kh = parseKnownHosts(
      `node01 ssh-ed25519\nnode01 ssh-rsa ${A.text.split(' ')[1]}\n@bogus x ${A.text}\n`,
      'kh',
    );
    assert.equal(kh.entries.length, 0);
    assert.equal(kh.notes.length, 3);
    assert.match(kh.notes[1] ?? '', /^kh:2: malformed/);
  });

  it('formats a line and a fingerprint like ssh', () => {
    assert.equal(keyTypeOfBlob(A.blob), 'ssh-ed25519');
    assert.equal(formatKnownHostsLine('10.0.0.1', A.blob), `10.0.0.1 ${A.text}`);
    assert.match(keyFingerprint(A.blob), /^SHA256:[A-Za-z0-9+/]{43}$/);
    const hashed = formatKnownHostsLine('node01', A.blob, Buffer.alloc(20, 1));
    assert.match(hashed, /^\|1\|AQEBAQEBAQEBAQEBAQEBAQEBAQE=\|\S+ ssh-ed25519 /);
    assert.equal(checkHostKey(parseKnownHosts(hashed, 'kh').entries, 'node01', A.blob).verdict, 'match');
  });
});
