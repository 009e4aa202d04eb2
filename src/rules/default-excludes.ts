// Built-in safety excludes, checked before the user's rules (a `+` rule cannot bring them back;
// `--no-default-excludes` drops them all). Two families:
//  - half-written or backup files that editors, package managers and account tools leave in /etc
//    for a moment: pushing one makes nodes see a torn or stale file (clsync trap: `+f^passwd`
//    also matches `passwd-`, `passwd+`, `passwd.lock`);
//  - node identity: cloning it makes nodes impersonate each other or stop booting.
// Every pattern matches the entry's name in any directory, so the protection holds whatever the
// watch dir is (/etc, /etc/ssh, a node image's root…). docs/rules.md renders this table.

export type DefaultExcludeGroup = 'editor' | 'package' | 'accounts' | 'transient' | 'identity' | 'own';

export interface DefaultExclude {
  /** Shown by `rules check` and docs/rules.md (glob-like). */
  readonly pattern: string;
  /** JavaScript RegExp source, anchored, tested against the entry's name (its last path component). */
  readonly nameRegex: string;
  readonly group: DefaultExcludeGroup;
  readonly reason: string;
  /** Names it excludes (tests check each one). */
  readonly examples: readonly string[];
}

const exclude = (
  group: DefaultExcludeGroup,
  pattern: string,
  nameRegex: string,
  reason: string,
  examples: readonly string[],
): DefaultExclude => ({ pattern, nameRegex, group, reason, examples });

const suffix = (group: DefaultExcludeGroup, ext: string, reason: string, example: string): DefaultExclude =>
  exclude(group, `*${ext}`, `^.*${ext.replace(/[.+]/g, '\\$&')}$`, reason, [example]);

const accountFiles = ['passwd', 'group', 'shadow', 'gshadow', 'subuid', 'subgid'];

export const DEFAULT_EXCLUDES: readonly DefaultExclude[] = [
  // editors
  suffix('editor', '.swp', 'vim swap file (unsaved buffer)', '.passwd.swp'),
  suffix('editor', '.swx', 'vim swap probe file', 'sshd_config.swx'),
  exclude('editor', '.*.sw[a-p]', '^\\..+\\.sw[a-p]$', 'further vim swap files (.swo, .swn, …)', ['.hosts.swo']),
  exclude('editor', '4913', '^4913$', 'vim probes whether it may write a directory with this file', ['4913']),
  exclude('editor', '*~', '^.*~$', 'editor backup copy (vim, emacs, joe)', ['hosts~']),
  exclude('editor', '.#*', '^\\.#', 'emacs lock link for a file being edited', ['.#sudoers']),
  exclude('editor', '#*#', '^#.*#$', 'emacs auto-save file', ['#hosts#']),
  exclude('editor', 'sedXXXXXX', '^sed[0-9A-Za-z]{6}$', '`sed -i` writes its output to sed + 6 random characters, then renames', [
    'sedAb12Cd',
  ]),
  // package managers
  suffix('package', '.dpkg-new', 'dpkg: new conffile not yet installed', 'sshd_config.dpkg-new'),
  suffix('package', '.dpkg-old', 'dpkg: the admin copy set aside on upgrade', 'sshd_config.dpkg-old'),
  suffix('package', '.dpkg-dist', "dpkg: the maintainer's version the admin declined", 'sudoers.dpkg-dist'),
  suffix('package', '.dpkg-tmp', 'dpkg: being written', 'hosts.dpkg-tmp'),
  suffix('package', '.dpkg-bak', 'dpkg: backup', 'hosts.dpkg-bak'),
  suffix('package', '.ucf-new', 'ucf: new conffile not yet installed', 'sshd_config.ucf-new'),
  suffix('package', '.ucf-old', 'ucf: the admin copy set aside', 'sshd_config.ucf-old'),
  suffix('package', '.ucf-dist', "ucf: the maintainer's version the admin declined", 'sshd_config.ucf-dist'),
  suffix('package', '.rpmnew', "rpm: the package's version the admin has not merged", 'slurm.conf.rpmnew'),
  suffix('package', '.rpmsave', 'rpm: the admin copy saved on upgrade/removal', 'slurm.conf.rpmsave'),
  suffix('package', '.rpmorig', 'rpm: the original saved before replacement', 'slurm.conf.rpmorig'),
  suffix('package', '.pacnew', "pacman: the package's version the admin has not merged", 'hosts.pacnew'),
  suffix('package', '.pacsave', 'pacman: the admin copy saved on removal', 'hosts.pacsave'),
  // account tools (shadow-utils: useradd, usermod, vipw, passwd…)
  ...accountFiles.map((name) =>
    exclude('accounts', `${name}+`, `^${name}\\+$`, `shadow-utils writes the new ${name} here, then renames it over ${name}`, [`${name}+`]),
  ),
  ...accountFiles.map((name) =>
    exclude('accounts', `${name}-`, `^${name}-$`, `shadow-utils backup: the previous ${name}`, [`${name}-`]),
  ),
  exclude('accounts', '.pwd.lock', '^\\.pwd\\.lock$', 'lckpwdf(3) lock for the account files', ['.pwd.lock']),
  suffix('accounts', '.lock', 'lock file (shadow-utils passwd.lock, group.lock…; other tools alike)', 'passwd.lock'),
  // other transient files
  suffix('transient', '.tmp', 'being written: visudo edits sudoers.tmp, many tools write *.tmp then rename', 'sudoers.tmp'),
  exclude('transient', '.nfsXXXX', '^\\.nfs[0-9A-Fa-f]{8,}$', 'NFS placeholder for a file deleted while open', [
    '.nfs000000000189dd4b00000001',
  ]),
  // node identity
  exclude('identity', 'ssh_host_*', '^ssh_host_', "SSH host keys and certificates: each node's own; cloned keys let nodes impersonate each other", [
    'ssh_host_ed25519_key',
    'ssh_host_rsa_key.pub',
    'ssh_host_ecdsa_key-cert.pub',
  ]),
  exclude('identity', 'machine-id', '^machine-id$', 'systemd/D-Bus machine ID: duplicates confuse journald, DHCP (DUID) and D-Bus', ['machine-id']),
  exclude('identity', 'hostid', '^hostid$', 'gethostid(3) host ID (ZFS pool ownership, NVMe-oF host ID)', ['hostid']),
  exclude('identity', 'hostname', '^hostname$', "the node's own name", ['hostname']),
  exclude('identity', 'hostnqn', '^hostnqn$', 'NVMe-oF host NQN', ['hostnqn']),
  exclude('identity', 'initiatorname.iscsi', '^initiatorname\\.iscsi$', 'iSCSI initiator IQN', ['initiatorname.iscsi']),
  exclude('identity', 'krb5.keytab', '^krb5\\.keytab$', "Kerberos host keys: the node's own principals", ['krb5.keytab']),
  exclude('identity', 'minion_id', '^minion_id$', 'Salt minion identity', ['minion_id']),
  exclude('identity', 'random-seed', '^random-seed$', 'saved entropy: identical seeds give nodes the same early random numbers', ['random-seed']),
  exclude('identity', 'adjtime', '^adjtime$', "this machine's hardware clock drift and UTC/local setting", ['adjtime']),
  exclude('identity', 'fstab', '^fstab$', 'local disks by UUID/device; a wrong fstab can stop a node from booting', ['fstab']),
  exclude('identity', 'mtab', '^mtab$', 'runtime mount table (normally a link to /proc/self/mounts)', ['mtab']),
  exclude('identity', '70-persistent-net.rules', '^70-persistent-net\\.rules$', "udev NIC names bound to this node's MAC addresses", [
    '70-persistent-net.rules',
  ]),
];

/**
 * Our transports write `.<name>.clsync-hpc.<id>` next to the target and rename it into place;
 * syncing one back would loop. Always excluded, even with `--no-default-excludes`.
 */
export const OWN_TEMP_EXCLUDE: DefaultExclude = exclude(
  'own',
  '.*.clsync-hpc.*',
  '^\\..*\\.clsync-hpc\\.',
  "clsync-hpc's own temp file (a transport's write in progress)",
  ['.passwd.clsync-hpc.1a2b3c'],
);
