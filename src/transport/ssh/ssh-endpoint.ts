// Where and how to reach one node: the OpenSSH client config (read once per transport) merged with
// the run's ConnectionSettings, private keys parsed once, ssh-agent when there is one.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import ssh2, { type AnyAuthMethod, type ParsedKey } from 'ssh2';
import { TransportError } from '../../errors.js';
import type { ConnectionSettings } from '../../types.js';
import type { HostKeyPolicy } from './host-key-policy.js';
import { SshUnsupportedConfigError } from './ssh-errors.js';
import { parseSshConfig, type SshConfig } from './parse-ssh-config.js';
import { resolveSshHost } from './resolve-ssh-host.js';

export interface SshEndpoint {
  /** The node's name as given (reports, Host patterns). */
  readonly host: string;
  /** What to connect to (HostName). */
  readonly address: string;
  readonly port: number;
  readonly username: string;
  readonly connectTimeoutMs: number;
  readonly auth: readonly AnyAuthMethod[];
  /** What `auth` tries, for the auth failure message. */
  readonly authTried: readonly string[];
  /** Name the host key is looked up under (HostKeyAlias, else HostName: what ssh does). */
  readonly hostKeyName: string;
  readonly hostKeyPolicy: HostKeyPolicy;
  /** ServerAliveInterval/CountMax from the ssh config, when set there. */
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
}

export interface EndpointEnvironment {
  readonly home: string;
  readonly localUser: string;
  /** SSH_AUTH_SOCK, when an agent is there. */
  readonly agentSocket: string | undefined;
}

export function processEnvironment(): EndpointEnvironment {
  const sock = process.env.SSH_AUTH_SOCK;
  return {
    home: homedir(),
    localUser: userInfo().username,
    agentSocket: sock !== undefined && sock !== '' ? sock : undefined,
  };
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export class EndpointResolver {
  private config: Promise<SshConfig | undefined> | undefined;
  private readonly keys = new Map<string, Promise<ParsedKey | undefined>>();

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly env: EndpointEnvironment = processEnvironment(),
  ) {}

  /** Reads the ssh config and the explicit keys; throws TransportError when the run cannot start. */
  async prepare(): Promise<readonly string[]> {
    const config = await this.loadConfig();
    for (const file of this.settings.identityFiles) {
      if ((await this.key(file, true)) === undefined)
        throw new TransportError(`identity ${file}: not a usable private key`);
    }
    return config?.notes ?? [];
  }

  async resolve(host: string): Promise<SshEndpoint> {
    const config = await this.loadConfig();
    const o = resolveSshHost(config, host, { ...this.env, defaultUser: this.settings.user });
    if (o.unsupported.length > 0) {
      throw new SshUnsupportedConfigError(
        `ssh config (${config?.file ?? '?'}) sets ${o.unsupported.join(', ')} for ${host}, which --transport ssh cannot follow (use --transport pdcp)`,
      );
    }
    const port = o.port ?? 22;
    const username = o.user ?? this.settings.user;
    const auth: AnyAuthMethod[] = [];
    const tried: string[] = [];
    if (this.env.agentSocket !== undefined && o.identitiesOnly !== true) {
      auth.push({ type: 'agent', username, agent: this.env.agentSocket });
      tried.push('ssh-agent');
    }
    for (const file of this.identityFiles(o.identityFiles)) {
      const key = await this.key(file, false);
      if (key === undefined) continue;
      auth.push({ type: 'publickey', username, key });
      tried.push(file);
    }
    const userFiles =
      this.settings.knownHostsFile !== undefined
        ? [this.settings.knownHostsFile]
        : (o.userKnownHostsFiles ?? [join(this.env.home, '.ssh', 'known_hosts')]);
    const globalFiles = o.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts'];
    const strict = o.strictHostKeyChecking;
    // ssh_config's accept-new (and no/off, minus their acceptance of changed keys) counts like the flag
    const acceptNew =
      this.settings.acceptNewHostKeys || strict === 'accept-new' || strict === 'no' || strict === 'off';
    return {
      host,
      address: o.hostName,
      port,
      username,
      connectTimeoutMs: Math.min(this.settings.connectTimeoutMs, o.connectTimeoutMs ?? Infinity),
      auth,
      authTried: tried,
      hostKeyName: o.hostKeyAlias ?? o.hostName,
      hostKeyPolicy: {
        files: [...userFiles, ...globalFiles],
        acceptNewInto: acceptNew ? userFiles[0] : undefined,
        hashNew: o.hashKnownHosts === true,
      },
      ...(o.serverAliveIntervalMs !== undefined ? { keepaliveIntervalMs: o.serverAliveIntervalMs } : {}),
      ...(o.serverAliveCountMax !== undefined ? { keepaliveCountMax: o.serverAliveCountMax } : {}),
    };
  }

  /** -i keys first (like ssh -i), then the config's; ssh's default names when neither gives any. */
  private identityFiles(fromConfig: readonly string[]): string[] {
    const files = [...new Set([...this.settings.identityFiles, ...fromConfig])];
    if (files.length > 0) return files;
    return DEFAULT_IDENTITIES.map((n) => join(this.env.home, '.ssh', n)).filter((f) => existsSync(f));
  }

  private loadConfig(): Promise<SshConfig | undefined> {
    this.config ??= (async () => {
      const explicit = this.settings.sshConfigFile;
      const file = explicit ?? join(this.env.home, '.ssh', 'config');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if (explicit === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new TransportError(`ssh config ${file}: ${(err as Error).message}`);
      }
      return parseSshConfig(text, file);
    })();
    return this.config;
  }

  /**
   * A parsed private key, or undefined when the file is missing, not a private key, or encrypted
   * (ssh skips those too; the agent may hold it). For -i keys (explicit) that stops the run instead.
   */
  private key(file: string, explicit: boolean): Promise<ParsedKey | undefined> {
    let p = this.keys.get(file);
    if (p === undefined) {
      p = readFile(file)
        .then(parsePrivateKey)
        .catch((err: unknown) => {
          const message = (err as Error).message;
          // an encrypted key is fine when the agent holds it (ssh -i does the same)
          const agentMayHaveIt = /encrypted/i.test(message) && this.env.agentSocket !== undefined;
          if (explicit && !agentMayHaveIt) throw new TransportError(`identity ${file}: ${message}`);
          return undefined;
        });
      this.keys.set(file, p);
    }
    return p;
  }
}

function parsePrivateKey(data: Buffer): ParsedKey {
  const parsed: unknown = ssh2.utils.parseKey(data);
  const key = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed; // OpenSSH format: an array of one
  if (key instanceof Error) throw key;
  if (key === undefined) throw new Error('no key in file');
  if (!(key as ParsedKey).isPrivateKey()) throw new Error('not a private key');
  return key as ParsedKey;
}
