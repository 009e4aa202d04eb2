// Built-in safety excludes, checked before the user's rules (a `+` rule cannot bring them back;
// `--no-default-excludes` drops them all). Two families:
//  - half-written or backup files that editors, package managers and account tools leave in /etc
//    for a moment: pushing one makes nodes see a torn or stale file (clsync trap: `+f^passwd`
//    also matches `passwd-`, `passwd+`, `passwd.lock`);
//  - node identity: cloning it makes nodes impersonate each other or stop booting.
// Every pattern matches the entry's name in any directory, so the protection holds whatever the
// watch dir is (/etc, /etc/ssh, a node image's root…). docs/rules.md renders this table.

export type DefaultExcludeGroup = 'editor' | 'package' | 'accounts' | 'transient' | 'identity' | 'own';

/**
 * How a built-in recognises a name. Names and suffixes are looked up in maps (decide() runs for
 * every entry of a tree); the few shapes that need a pattern are small anchored regexes.
 */
export type NameTest =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'suffix'; readonly suffix: string } // starts with '.', contains no other '.'
  | { readonly kind: 'regex'; readonly source: string }; // anchored with ^, tested against the name

export interface DefaultExclude {
  /** Shown by `rules check` and docs/rules.md (glob-like). */
  readonly pattern: string;
  /** Tested against the entry's name (its last path component). */
  readonly test: NameTest;
  readonly group: DefaultExcludeGroup;
  readonly reason: string;
  /** Names it excludes (tests check each one). */
  readonly examples: readonly string[];
}

const exclude = (
  group: DefaultExcludeGroup,
  pattern: string,
  test: NameTest,
  reason: string,
  examples: readonly string[],
): DefaultExclude => ({ pattern, test, group, reason, examples });

const named = (group: DefaultExcludeGroup, name: string, reason: string): DefaultExclude =>
  exclude(group, name, { kind: 'name', name }, reason, [name]);

const regex = (source: string): NameTest => ({ kind: 'regex', source });

const suffix = (group: DefaultExcludeGroup, ext: string, reason: string, example: string): DefaultExclude =>
  exclude(group, `*${ext}`, { kind: 'suffix', suffix: ext }, reason, [example]);

const accountFiles = ['passwd', 'group', 'shadow', 'gshadow', 'subuid', 'subgid'];

export const DEFAULT_EXCLUDES: readonly DefaultExclude[] = [
  // editors
  suffix('editor', '.swp', 'vim swap file (unsaved buffer)', '.passwd.swp'),
  suffix('editor', '.swx', 'vim swap probe file', 'sshd_config.swx'),
  exclude('editor', '.*.sw[a-p]', regex('^\\..+\\.sw[a-p]$'), 'further vim swap files (.swo, .swn, …)', [
    '.hosts.swo',
  ]),
  named('editor', '4913', 'vim probes whether it may write a directory with this file'),
  exclude('editor', '*~', regex('^.*~$'), 'editor backup copy (vim, emacs, joe)', ['hosts~']),
  exclude('editor', '.#*', regex('^\\.#'), 'emacs lock link for a file being edited', ['.#sudoers']),
  exclude('editor', '#*#', regex('^#.*#$'), 'emacs auto-save file', ['#hosts#']),
  exclude(
    'editor',
    'sedXXXXXX',
    regex('^sed[0-9A-Za-z]{6}$'),
    '`sed -i` writes its output to sed + 6 random characters, then renames',
    ['sedAb12Cd'],
  ),
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
    named('accounts', `${name}+`, `shadow-utils writes the new ${name} here, then renames it over ${name}`),
  ),
  ...accountFiles.map((name) => named('accounts', `${name}-`, `shadow-utils backup: the previous ${name}`)),
  named('accounts', '.pwd.lock', 'lckpwdf(3) lock for the account files'),
  suffix(
    'accounts',
    '.lock',
    'lock file (shadow-utils passwd.lock, group.lock…; other tools alike)',
    'passwd.lock',
  ),
  // other transient files
  suffix(
    'transient',
    '.tmp',
    'being written: visudo edits sudoers.tmp, many tools write *.tmp then rename',
    'sudoers.tmp',
  ),
  exclude(
    'transient',
    '.nfsXXXX',
    regex('^\\.nfs[0-9A-Fa-f]{8,}$'),
    'NFS placeholder for a file deleted while open',
    ['.nfs000000000189dd4b00000001'],
  ),
  // node identity
  exclude(
    'identity',
    'ssh_host_*',
    regex('^ssh_host_'),
    "SSH host keys and certificates: each node's own; cloned keys let nodes impersonate each other",
    ['ssh_host_ed25519_key', 'ssh_host_rsa_key.pub', 'ssh_host_ecdsa_key-cert.pub'],
  ),
  named(
    'identity',
    'machine-id',
    'systemd/D-Bus machine ID: duplicates confuse journald, DHCP (DUID) and D-Bus',
  ),
  named('identity', 'hostid', 'gethostid(3) host ID (ZFS pool ownership, NVMe-oF host ID)'),
  named('identity', 'hostname', "the node's own name"),
  named('identity', 'hostnqn', 'NVMe-oF host NQN'),
  named('identity', 'initiatorname.iscsi', 'iSCSI initiator IQN'),
  named('identity', 'krb5.keytab', "Kerberos host keys: the node's own principals"),
  named('identity', 'minion_id', 'Salt minion identity'),
  named('identity', 'random-seed', 'saved entropy: identical seeds give nodes the same early random numbers'),
  named('identity', 'adjtime', "this machine's hardware clock drift and UTC/local setting"),
  named('identity', 'fstab', 'local disks by UUID/device; a wrong fstab can stop a node from booting'),
  named('identity', 'mtab', 'runtime mount table (normally a link to /proc/self/mounts)'),
  named('identity', '70-persistent-net.rules', "udev NIC names bound to this node's MAC addresses"),
];

/**
 * Our transports write `.<name>.clsync-hpc.<id>` next to the target (`.clsync-hpc.<id>.<n>` when
 * the name is too long for that) and rename it into place; syncing one back would loop. Always
 * excluded, even with `--no-default-excludes`.
 */
export const OWN_TEMP_EXCLUDE: DefaultExclude = exclude(
  'own',
  '.*.clsync-hpc.*, .clsync-hpc.*',
  regex('^\\.(?:.*\\.)?clsync-hpc\\.'),
  "clsync-hpc's own temp file (a transport's write in progress)",
  ['.passwd.clsync-hpc.1a2b3c', '.clsync-hpc.1a2b3c.9f8e7d'],
);
