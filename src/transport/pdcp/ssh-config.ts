// pdsh and pdcp run `ssh` with PDSH_SSH_ARGS, split on spaces, no quoting. So every setting goes
// into a small generated ssh_config (`-F`) where paths can be quoted, and PDSH_SSH_ARGS carries
// only that file's name. In ssh_config the first value found wins, which gives the precedence
// ConnectionSettings asks for: what clsync-hpc enforces first, then the user's own config, then
// the defaults (`user` is the login "when the ssh config names none", so it comes last).
import { TransportError } from '../../errors.js';
import type { ConnectionSettings } from '../../types.js';

export function renderSshConfig(settings: ConnectionSettings): string {
  const lines = [
    '# Written by clsync-hpc for one pdcp/pdsh run (ssh -F). The first value found wins.',
    'BatchMode yes',
    `StrictHostKeyChecking ${settings.acceptNewHostKeys ? 'accept-new' : 'yes'}`,
  ];
  if (settings.knownHostsFile !== undefined)
    lines.push(`UserKnownHostsFile ${quote(settings.knownHostsFile, 'known hosts file', true)}`);
  for (const file of settings.identityFiles) lines.push(`IdentityFile ${quote(file, 'identity file', true)}`);
  if (settings.sshConfigFile !== undefined)
    lines.push(`Include ${quote(settings.sshConfigFile, 'ssh config file', false)}`);
  else lines.push('Include ~/.ssh/config', 'Include /etc/ssh/ssh_config');
  // keepalives cut a connection that died after connect (pdsh -u alone would wait it out)
  lines.push(
    'Host *',
    `  User ${quote(settings.user, 'user', false)}`,
    '  ServerAliveInterval 15',
    '  ServerAliveCountMax 4',
    '',
  );
  return lines.join('\n');
}

/** `"value"` for ssh_config; `%` is a token character in paths that take tokens. */
function quote(value: string, what: string, tokens: boolean): string {
  if (value === '' || /["\n\r\0]/.test(value))
    throw new TransportError(
      `${what} ${JSON.stringify(value)} cannot be passed to ssh (empty, or holds a quote or newline)`,
    );
  return `"${tokens ? value.replaceAll('%', '%%') : value}"`;
}

/** Keys of the caller's environment that would change what pdsh/pdcp do behind our back. */
const OVERRIDDEN = [
  'PDSH_SSH_ARGS_APPEND',
  'PDSH_SSH_ARGS',
  'PDSH_RCMD_TYPE',
  'PDSH_CONNECT_TIMEOUT',
  'WCOLL',
  'FANOUT',
];

/** Environment for pdsh/pdcp children: ssh reads only our generated config; C locale for parsable text. */
export function pdshEnvironment(base: NodeJS.ProcessEnv, sshConfigPath: string): Record<string, string> {
  if (!/^[A-Za-z0-9._/+-]+$/.test(sshConfigPath)) {
    throw new TransportError(
      `temp path ${JSON.stringify(sshConfigPath)} cannot be passed through PDSH_SSH_ARGS (set TMPDIR to a plain path)`,
    );
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base))
    if (value !== undefined && !OVERRIDDEN.includes(key)) env[key] = value;
  return {
    ...env,
    LC_ALL: 'C',
    PDSH_RCMD_TYPE: 'ssh',
    // -x -a: no X11 or agent forwarding to nodes; %h is the host (pdsh's own substitution)
    PDSH_SSH_ARGS: `-x -a -F ${sshConfigPath} %h`,
  };
}
