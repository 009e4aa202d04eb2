// The namespace lab (test/lab/lab.sh) from TypeScript: start N real sshd nodes, inject faults,
// read what each node wrote, tear down. Every lab gets its own slot (netns prefix, subnet, dir),
// so several test files can each run a lab at the same time.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root, from both test/helpers (ts) and dist/test/helpers (js). */
export const repoRoot = resolve(here, here.includes(`${join('dist', 'test')}`) ? '../../..' : '../..');
export const labScript = join(repoRoot, 'test', 'lab', 'lab.sh');
/** The installed binary: the launcher of the single-file bundle (package.json "bin"). */
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'launch.cjs');

export type FaultMode = 'sshd' | 'freeze' | 'link' | 'drop' | 'ro' | 'full';

export interface Lab {
  readonly slot: number;
  readonly dir: string;
  readonly nodes: readonly string[];
  /** pdsh hostlist of all nodes, e.g. node[01-04]. */
  readonly range: string;
  readonly sshConfig: string;
  readonly knownHosts: string;
  readonly key: string;
  /** Environment for child processes (PDSH_RCMD_TYPE, PDSH_SSH_ARGS_APPEND, LAB_* …). */
  readonly env: NodeJS.ProcessEnv;
  fail(node: string, mode: FaultMode, path?: string): void;
  heal(node: string | 'all'): void;
  /** Admin-side path of what `node` itself wrote at absolute `path` (its overlay upper dir). */
  path(node: string, path: string): string;
  /** Run a command inside the node (no ssh); returns stdout. */
  exec(node: string, argv: readonly string[]): string;
  down(): void;
}

/** Why the lab cannot run here, or undefined when it can (root + the packages .ci/run installs). */
export function labUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the lab needs root';
  for (const bin of ['/usr/sbin/sshd', '/usr/bin/pdsh', '/usr/bin/pdcp', '/usr/bin/ssh-keygen']) {
    if (!existsSync(bin)) return `${bin} is missing (apt-get install openssh-server pdsh)`;
  }
  return undefined;
}

function labEnv(slot: number): NodeJS.ProcessEnv {
  if (!Number.isInteger(slot) || slot < 1 || slot > 99)
    throw new Error(`lab slot must be 1..99, got ${slot}`);
  return {
    ...process.env,
    LAB_DIR: `/tmp/clsync-lab-t${slot}`,
    LAB_SUBNET: `10.231.${100 + slot}`,
    LAB_NS_PREFIX: `t${slot}`,
    LAB_ETC_HOSTS: '0',
    LAB_FAST_KEX: '1',
    LAB_QUIET: '1',
  };
}

function runLab(env: NodeJS.ProcessEnv, args: readonly string[]): string {
  return execFileSync('bash', [labScript, ...args], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Start `n` nodes in lab slot `slot` (1..99; one slot per test file). Replaces a lab left in the slot. */
export function startLab(n: number, slot: number): Lab {
  const base = labEnv(slot);
  runLab(base, ['up', String(n)]);
  const dir = base.LAB_DIR as string;
  const envFile = readFileSync(join(dir, 'env'), 'utf8');
  const env: NodeJS.ProcessEnv = { ...base };
  for (const line of envFile.split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) env[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  const nodes = (env.LAB_NODES ?? '').split(' ').filter(Boolean);
  return {
    slot,
    dir,
    nodes,
    range: env.LAB_NODE_RANGE ?? '',
    sshConfig: join(dir, 'ssh_config'),
    knownHosts: join(dir, 'known_hosts'),
    key: join(dir, 'keys', 'id_ed25519'),
    env,
    fail: (node, mode, path) =>
      void runLab(base, ['fail', node, mode, ...(path === undefined ? [] : [path])]),
    heal: (node) => void runLab(base, ['heal', node]),
    path: (node, path) => runLab(base, ['path', node, path]).trimEnd(),
    exec: (node, argv) => runLab(base, ['exec', node, ...argv]),
    down: () => void runLab(base, ['down']),
  };
}
