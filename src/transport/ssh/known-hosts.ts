// OpenSSH known_hosts: parse, look up a host's key, format a new line (cf. sshd(8) "SSH_KNOWN_HOSTS
// FILE FORMAT", OpenSSH hostfile.c). Pure (node:crypto only for HMAC/SHA-256).
import { createHash, createHmac } from 'node:crypto';
import { matchPatternList } from './host-pattern.js';

export type KnownHostNames =
  | { readonly kind: 'patterns'; readonly patterns: readonly string[] }
  /** `|1|salt|hash`: HMAC-SHA1 of the lowercased name keyed by salt (HashKnownHosts yes). */
  | { readonly kind: 'hashed'; readonly salt: Buffer; readonly hash: Buffer };

export interface KnownHostEntry {
  readonly file: string;
  readonly line: number;
  readonly marker?: 'revoked' | 'cert-authority';
  readonly names: KnownHostNames;
  readonly keyType: string;
  readonly key: Buffer;
}

export interface ParsedKnownHosts {
  readonly entries: readonly KnownHostEntry[];
  /** Lines skipped as malformed, with file:line (ssh skips them too). */
  readonly notes: readonly string[];
}

export function parseKnownHosts(text: string, file: string): ParsedKnownHosts {
  const entries: KnownHostEntry[] = [];
  const notes: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        notes.push(`${file}:${i + 1}: unknown marker ${m}; line skipped`);
        continue;
      }
    }
    const [hostField, keyType, keyText] = fields;
    const names = hostField === undefined ? undefined : parseNames(hostField);
    const key = keyText === undefined ? undefined : decodeBase64Strict(keyText);
    if (names === undefined || keyType === undefined || key === undefined || keyTypeOfBlob(key) !== keyType) {
      notes.push(`${file}:${i + 1}: malformed known_hosts line skipped`);
      continue;
    }
    entries.push({ file, line: i + 1, ...(marker !== undefined ? { marker } : {}), names, keyType, key });
  }
  return { entries, notes };
}

function parseNames(field: string): KnownHostNames | undefined {
  if (!field.startsWith('|')) return { kind: 'patterns', patterns: field.split(',') };
  const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(field);
  const salt = m?.[1] === undefined ? undefined : decodeBase64Strict(m[1]);
  const hash = m?.[2] === undefined ? undefined : decodeBase64Strict(m[2]);
  if (salt === undefined || hash === undefined || hash.length !== 20) return undefined;
  return { kind: 'hashed', salt, hash };
}

function decodeBase64Strict(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.length > 0 ? buf : undefined;
}

/** The first string of an SSH public key blob is its type (`ssh-ed25519`, `ssh-rsa`…). */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || blob.length < 4 + n) return undefined;
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** `SHA256:…` as ssh-keygen -l prints it. */
export function keyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The name ssh records and looks up: `name` on port 22, `[name]:port` otherwise; lowercased. */
export function knownHostsName(name: string, port: number): string {
  const lower = name.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

export function entryMatchesName(entry: KnownHostEntry, name: string): boolean {
  if (entry.names.kind === 'patterns') return matchPatternList([name], entry.names.patterns);
  const digest = createHmac('sha1', entry.names.salt).update(name).digest();
  return digest.equals(entry.names.hash);
}

export interface HostKeyCheck {
  readonly verdict: 'match' | 'unknown' | 'changed' | 'revoked';
  /** The entry that decided (matching, conflicting or revoking one). */
  readonly entry?: KnownHostEntry;
  /** Key types known for this name (to prefer them in negotiation, as ssh does). */
  readonly knownTypes: readonly string[];
  /** The name has only @cert-authority entries, which we cannot use. */
  readonly certAuthorityOnly: boolean;
}

/**
 * What known_hosts says about `key` offered by `name` (already in knownHostsName form). A revoked key
 * loses whatever else matches; a match wins over a conflicting line (several keys per host are legal);
 * a different key of the same type is "changed"; no line of that type is "unknown" (as ssh does).
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyCheck {
  const mine = entries.filter((e) => entryMatchesName(e, name));
  const plain = mine.filter((e) => e.marker === undefined);
  const knownTypes = [...new Set(plain.map((e) => e.keyType))];
  const certAuthorityOnly = plain.length === 0 && mine.some((e) => e.marker === 'cert-authority');
  const base = { knownTypes, certAuthorityOnly };
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked !== undefined) return { verdict: 'revoked', entry: revoked, ...base };
  const match = plain.find((e) => e.key.equals(key));
  if (match !== undefined) return { verdict: 'match', entry: match, ...base };
  const type = keyTypeOfBlob(key);
  const conflict = plain.find((e) => e.keyType === type);
  if (conflict !== undefined) return { verdict: 'changed', entry: conflict, ...base };
  return { verdict: 'unknown', ...base };
}

/** A line to append for a newly accepted key: plain, or hashed with `salt` (HashKnownHosts yes). */
export function formatKnownHostsLine(name: string, key: Buffer, salt?: Buffer): string {
  const names =
    salt === undefined
      ? name
      : `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  return `${names} ${keyTypeOfBlob(key) ?? 'unknown'} ${key.toString('base64')}`;
}
