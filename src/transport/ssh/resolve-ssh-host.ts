// Which ssh_config values apply to one host name, as ssh(1) decides: blocks in file order, a block
// applies when its Host patterns match the name as typed, and for each keyword the first value
// obtained wins (IdentityFile accumulates). Pure.
import { matchPatternList } from './host-pattern.js';
import type { SshConfig } from './parse-ssh-config.js';

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new' | 'off';

export interface SshHostOptions {
  /** The name as typed (what Host patterns match). */
  readonly host: string;
  /** Where to connect: HostName with %h expanded, else the typed name. */
  readonly hostName: string;
  readonly port?: number;
  readonly user?: string;
  /** Expanded paths (~, %d %u %h %r %n %p %%), in config order. */
  readonly identityFiles: readonly string[];
  readonly identitiesOnly?: boolean;
  readonly userKnownHostsFiles?: readonly string[];
  readonly globalKnownHostsFiles?: readonly string[];
  readonly strictHostKeyChecking?: StrictHostKeyChecking;
  readonly connectTimeoutMs?: number;
  readonly hostKeyAlias?: string;
  /** ServerAliveInterval (0 = off) and ServerAliveCountMax: our keepalive. */
  readonly serverAliveIntervalMs?: number;
  readonly serverAliveCountMax?: number;
  /** HashKnownHosts: record new keys hashed. */
  readonly hashKnownHosts?: boolean;
  /** Options that change how ssh would reach the node and that we cannot honour (ProxyJump…). */
  readonly unsupported: readonly string[];
}

/** Keywords that route the connection elsewhere: connecting directly instead would be wrong. */
const ROUTING_KEYWORDS: Readonly<Record<string, string>> = {
  proxyjump: 'ProxyJump',
  proxycommand: 'ProxyCommand',
};

export interface ExpandContext {
  /** Local home directory (for ~ and %d). */
  readonly home: string;
  /** Local user name (%u). */
  readonly localUser: string;
  /** Remote user when the config names none (%r). */
  readonly defaultUser: string;
}

export function resolveSshHost(
  config: SshConfig | undefined,
  host: string,
  ctx: ExpandContext,
): SshHostOptions {
  const first = new Map<string, readonly string[]>();
  const identityFiles: string[] = [];
  for (const block of config?.blocks ?? []) {
    if (block.patterns !== undefined && !matchPatternList([host], block.patterns)) continue;
    for (const option of block.options) {
      if (option.keyword === 'identityfile') identityFiles.push(option.args[0] ?? '');
      else if (!first.has(option.keyword)) first.set(option.keyword, option.args);
    }
  }
  const one = (keyword: string): string | undefined => first.get(keyword)?.[0];

  const hostNameRaw = one('hostname');
  const hostName = hostNameRaw === undefined ? host : expandTokens(hostNameRaw, { h: host });
  const portText = one('port');
  const port = portText === undefined ? undefined : Number(portText);
  const user = one('user');
  const tokens = {
    d: ctx.home,
    u: ctx.localUser,
    h: hostName,
    r: user ?? ctx.defaultUser,
    n: host,
    p: String(port ?? 22),
  };
  const path = (p: string): string => expandTokens(expandTilde(p, ctx.home), tokens);
  const files = (keyword: string): string[] | undefined => {
    const args = first.get(keyword);
    if (args === undefined) return undefined;
    return args.filter((a) => a.toLowerCase() !== 'none').map(path);
  };
  const strict = one('stricthostkeychecking')?.toLowerCase() as StrictHostKeyChecking | undefined;
  const timeout = one('connecttimeout');
  const identitiesOnly = one('identitiesonly');
  const alias = one('hostkeyalias');
  const aliveInterval = one('serveraliveinterval');
  const aliveCount = one('serveralivecountmax');
  const hashKnown = one('hashknownhosts');
  const unsupported = Object.entries(ROUTING_KEYWORDS)
    .filter(([k]) => first.has(k) && first.get(k)?.[0]?.toLowerCase() !== 'none')
    .map(([k, name]) => `${name} ${(first.get(k) ?? []).join(' ')}`);
  const userKnown = files('userknownhostsfile');
  const globalKnown = files('globalknownhostsfile');
  return {
    host,
    hostName,
    ...(port !== undefined ? { port } : {}),
    ...(user !== undefined ? { user } : {}),
    identityFiles: identityFiles.filter((f) => f.toLowerCase() !== 'none').map(path),
    ...(identitiesOnly !== undefined ? { identitiesOnly: identitiesOnly.toLowerCase() === 'yes' } : {}),
    ...(userKnown !== undefined ? { userKnownHostsFiles: userKnown } : {}),
    ...(globalKnown !== undefined ? { globalKnownHostsFiles: globalKnown } : {}),
    ...(strict !== undefined ? { strictHostKeyChecking: strict } : {}),
    // ConnectTimeout 0 means "the system default" to ssh: leave it to the settings
    ...(timeout !== undefined && Number(timeout) > 0 ? { connectTimeoutMs: Number(timeout) * 1000 } : {}),
    ...(alias !== undefined ? { hostKeyAlias: alias } : {}),
    ...(aliveInterval !== undefined ? { serverAliveIntervalMs: Number(aliveInterval) * 1000 } : {}),
    ...(aliveCount !== undefined ? { serverAliveCountMax: Number(aliveCount) } : {}),
    ...(hashKnown !== undefined ? { hashKnownHosts: hashKnown.toLowerCase() === 'yes' } : {}),
    unsupported,
  };
}

function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? `${home}${path.slice(1)}` : path;
}

/** %x tokens; %% is a literal %; unknown tokens are left as they are (ssh would refuse them). */
export function expandTokens(text: string, tokens: Readonly<Record<string, string>>): string {
  return text.replace(/%(.)/g, (whole, t: string) => (t === '%' ? '%' : (tokens[t] ?? whole)));
}
