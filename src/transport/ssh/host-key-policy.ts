// Host key policy against known_hosts files, as ssh applies it: a match passes; a changed or revoked
// key always fails (class hostkey); an unknown key fails unless accepting new keys was asked for,
// and then it is recorded in the user's known_hosts before the connection goes on.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  checkHostKey,
  formatKnownHostsLine,
  keyFingerprint,
  keyTypeOfBlob,
  knownHostsName,
  parseKnownHosts,
  type KnownHostEntry,
} from './known-hosts.js';
import { HostKeyRefusedError } from './ssh-errors.js';

export interface HostKeyPolicy {
  /** known_hosts files read, in order (user files first, then global ones). */
  readonly files: readonly string[];
  /** Where an accepted new key is appended; undefined = never accept new keys. */
  readonly acceptNewInto: string | undefined;
  /** Record new keys hashed (HashKnownHosts yes). */
  readonly hashNew: boolean;
}

/** Parsed known_hosts files, re-read when they change on disk; appends serialised per file. */
export class KnownHostsStore {
  private readonly cache = new Map<
    string,
    { readonly stamp: string; readonly entries: readonly KnownHostEntry[] }
  >();
  private appending = new Map<string, Promise<void>>();

  async entries(files: readonly string[]): Promise<KnownHostEntry[]> {
    const all: KnownHostEntry[] = [];
    // a loop: a cluster's known_hosts can hold more lines than a spread can pass as arguments
    for (const file of files) for (const entry of await this.load(file)) all.push(entry);
    return all;
  }

  /** Append one line, creating the file (and a 0700 parent) if needed; never interleaves writers. */
  append(file: string, line: string): Promise<void> {
    const previous = this.appending.get(file) ?? Promise.resolve();
    const next = previous.then(async () => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const text = await readFile(file, 'utf8').catch(() => '');
      if (text.split('\n').includes(line)) return; // another connection to the same node was first
      const prefix = text === '' || text.endsWith('\n') ? '' : '\n';
      await appendFile(file, `${prefix}${line}\n`, { mode: 0o644 });
      this.cache.delete(file);
    });
    this.appending.set(
      file,
      next.catch(() => undefined),
    );
    return next;
  }

  private async load(file: string): Promise<readonly KnownHostEntry[]> {
    const st = await stat(file).catch(() => undefined);
    if (st === undefined) return []; // a missing known_hosts file knows no keys, as for ssh
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    const cached = this.cache.get(file);
    if (cached?.stamp === stamp) return cached.entries;
    const { entries } = parseKnownHosts(await readFile(file, 'utf8'), file);
    this.cache.set(file, { stamp, entries });
    return entries;
  }
}

/**
 * Resolves when `key`, offered by `name` on `port`, may be trusted; otherwise throws HostKeyRefusedError
 * saying why and what to do.
 */
export async function verifyHostKey(
  store: KnownHostsStore,
  policy: HostKeyPolicy,
  name: string,
  port: number,
  key: Buffer,
): Promise<void> {
  const lookup = knownHostsName(name, port);
  const check = checkHostKey(await store.entries(policy.files), lookup, key);
  const offered = `${keyTypeOfBlob(key) ?? 'unknown'} ${keyFingerprint(key)}`;
  switch (check.verdict) {
    case 'match':
      return;
    case 'revoked':
      throw new HostKeyRefusedError(
        'revoked',
        `host key of ${lookup} (${offered}) is marked @revoked in ${where(check.entry)}`,
      );
    case 'changed':
      throw new HostKeyRefusedError(
        'changed',
        `host key of ${lookup} has CHANGED: the node offers ${offered}, ${where(check.entry)} has ` +
          `${keyFingerprint(check.entry?.key ?? Buffer.alloc(0))}; someone may be impersonating the node. ` +
          `If the node was reinstalled, remove the old key (ssh-keygen -R ${lookup}) and retry`,
      );
    case 'unknown': {
      if (policy.acceptNewInto !== undefined) {
        const line = formatKnownHostsLine(lookup, key, policy.hashNew ? randomBytes(20) : undefined);
        await store.append(policy.acceptNewInto, line).catch((err: unknown) => {
          throw new HostKeyRefusedError(
            'unknown',
            `new host key of ${lookup} (${offered}) not accepted: cannot record it in ${policy.acceptNewInto}: ${(err as Error).message}`,
          );
        });
        return;
      }
      const certs = check.certAuthorityOnly ? ' (@cert-authority lines are not supported)' : '';
      throw new HostKeyRefusedError(
        'unknown',
        `no ${keyTypeOfBlob(key) ?? ''} host key known for ${lookup} in ${policy.files.join(', ') || '(no known_hosts file)'}` +
          `${certs}; the node offers ${offered}. Add it (ssh-keyscan) or use --accept-new-host-keys`,
      );
    }
  }
}

function where(entry: KnownHostEntry | undefined): string {
  return entry === undefined ? 'known_hosts' : `${entry.file}:${entry.line}`;
}
