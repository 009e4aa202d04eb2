// commander wiring only: options → a validated SyncConfig, subcommands → their handlers.
// Long option names are the stable interface that scripts and cron jobs rely on.
import { Command, Option } from 'commander';
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { realpathSync } from 'node:fs';
import type { SyncConfig, TransportChoice, Verbosity } from '../config/sync-config.js';
import { UsageError } from '../errors.js';
import { version } from '../version.js';
import { parseBytes, parseCount, parseSeconds } from './parse-values.js';

export interface CliHandlers {
  sync(config: SyncConfig): Promise<number>;
  rulesCheck(args: {
    rulesFile?: string;
    watchDir?: string;
    defaultExcludes: boolean;
    type?: string;
    paths: string[];
  }): Promise<number>;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const EXAMPLES = `
Examples:
  # live: keep the accounts files identical on every node
  clsync-hpc -R rules/hpc-accounts.rules -H hosts/nodes.txt -W /etc

  # cron: bring every node up to date once, JSON report for monitoring
  clsync-hpc -R rules/etc-common.rules -H /etc/clsync-hpc/nodes.txt -W /etc --once --report /var/log/clsync-hpc.json

  # what would be sent where, touching no node
  clsync-hpc -R rules/ssh.rules -w 'node[01-64]' -x node13 -W /etc --once --dry-run

  # which rule decides a path
  clsync-hpc rules check -R rules/etc-common.rules -W /etc passwd ssh/ssh_host_rsa_key

Exit status:
  0  every targeted host has the whole change (or is already up to date)
  1  at least one host failed; the others got the change (see the summary or --report)
  2  bad invocation or input (options, rules file, host list, watch dir): nothing was sent
  3  internal error

Docs: docs/rules.md, docs/hosts.md, docs/transports.md, docs/errors.md`;

interface RawOptions {
  watchDir?: string;
  rulesFile?: string;
  defaultExcludes: boolean;
  hostsFile: string[];
  hosts: string[];
  exclude: string[];
  destinationDir?: string;
  once?: boolean;
  dryRun?: boolean;
  transport: TransportChoice;
  localRoot?: string;
  fanout: string;
  connectTimeout: string;
  commandTimeout: string;
  retries?: string;
  sshConfig?: string;
  identity: string[];
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  user: string;
  remoteTmp: string;
  stateDir: string;
  report?: string;
  delete: boolean;
  ignoreTimes?: boolean;
  label: string;
  verbose?: boolean;
  quiet?: boolean;
  delayCollect: string;
  delaySync: string;
  thresholdBigfile: string;
  delayCollectBigfile: string;
  exitOnNoEvents?: boolean;
  statusFile?: string;
  pidFile?: string;
}

export function buildProgram(
  handlers: CliHandlers,
  out: { stdout: (s: string) => void; stderr: (s: string) => void },
): Command {
  const program = new Command('clsync-hpc');
  program
    .description(
      'Keep an /etc-style tree identical on many nodes: a rules-filtered watcher that batches changes and ' +
        'fans them out through pdcp/pdsh or a native ssh2 copier, with per-host tracking and retry. ' +
        'Without --once it runs as a daemon: full sync, then live updates.',
    )
    .version(version, '--version')
    .configureOutput({ writeOut: out.stdout, writeErr: out.stderr })
    .exitOverride()
    // `rules check -R FILE`: options after a subcommand belong to it, not to the sync command
    .enablePositionalOptions()
    .showHelpAfterError('(run clsync-hpc --help for usage)')
    .option('-W, --watch-dir <dir>', 'source tree to keep in sync (required)')
    .option(
      '-R, --rules-file <file>',
      'clsync-style rules (+f^passwd$, -*) and rsync-style globs; default: everything',
    )
    .option(
      '--no-default-excludes',
      'do not apply the built-in safety excludes (editor temp files, host keys, machine-id…)',
    )
    .option(
      '-H, --hosts-file <file>',
      'node list: one pdsh hostlist expression per line, # comments (repeatable)',
      collect,
      [],
    )
    .option(
      '-w, --hosts <expr>',
      'nodes on the command line, e.g. node[01-64],login1, or ^FILE as in pdsh (repeatable)',
      collect,
      [],
    )
    .option('-x, --exclude <expr>', 'nodes to leave out, hostlist syntax or ^FILE (repeatable)', collect, [])
    .option('-D, --destination-dir <dir>', 'where the tree lands on the nodes (default: the watch dir path)')
    .option('--once', 'one-shot (cron): bring every node to the current tree, then exit')
    .option('-n, --dry-run', 'print the plan per host (write, change, delete); touch no node')
    .addOption(
      new Option(
        '--transport <name>',
        'how files travel: pdcp (pdcp+pdsh), ssh (native ssh2/SFTP), auto, local (testing)',
      )
        .choices(['auto', 'pdcp', 'ssh', 'local'])
        .default('auto'),
    )
    .option('--local-root <dir>', 'with --transport local: each host is the directory <dir>/<host>')
    .option('-f, --fanout <n>', 'hosts served at once', '32')
    .option('--connect-timeout <seconds>', 'ssh connect (and banner) timeout per host', '10')
    .option('--command-timeout <seconds>', 'longest time one host may take for one batch', '600')
    .option('--retries <n>', 'extra tries for hosts that failed transiently (default 3 with --once)')
    .option(
      '--ssh-config <file>',
      'OpenSSH client config for the nodes (pdsh/pdcp get -F); default ~/.ssh/config',
    )
    .option('-i, --identity <file>', 'ssh private key (repeatable)', collect, [])
    .option('--known-hosts <file>', 'known_hosts file to check node host keys against')
    .option(
      '--accept-new-host-keys',
      'accept and record unknown host keys on first contact (never changed ones)',
    )
    .option('--user <name>', 'login user on the nodes when the ssh config names none', 'root')
    .option('--remote-tmp <dir>', 'staging directory on the nodes (pdcp transport)', '/tmp')
    .option('--state-dir <dir>', 'ledger of what each host has', '/var/lib/clsync-hpc')
    .option(
      '--report <file>',
      'write a JSON report of the run to FILE (- = stdout; human output then goes to stderr)',
    )
    .option('--no-delete', 'do not propagate deletions')
    .option(
      '--ignore-times',
      'first contact with a node (no ledger record): send every file, even one the node already has with the same size, mtime, mode and owner (ssh transport; pdcp always sends everything)',
    )
    .option('-l, --label <name>', 'name of this job (logs, state, reports)', 'default')
    .option('-v, --verbose', 'more detail')
    .option('-q, --quiet', 'only warnings and errors')
    .option('-t, --delay-collect <seconds>', 'watch: collect window from the first event of a batch', '1')
    .option('--delay-sync <seconds>', 'watch: minimum gap between two batches', '0')
    .option('--threshold-bigfile <bytes>', 'watch: files larger than this use the big-file window', '128M')
    .option('--delay-collect-bigfile <seconds>', 'watch: collect window for big files', '30')
    .option('--exit-on-no-events', 'watch: sync, follow events until quiet, then exit')
    .option('--status-file <file>', 'watch: one state word (starting, initsync, running, retrying, …)')
    .option('--pid-file <file>', 'watch: write the daemon pid here')
    .addHelpText('after', EXAMPLES)
    .action(async (raw: RawOptions) => {
      program.setOptionValue('exitStatus', await handlers.sync(toConfig(raw)));
    });

  const rules = program.command('rules').description('inspect rules files');
  rules
    .command('check')
    .description('print which rule decides each PATH (relative to the watch dir)')
    .argument('<paths...>', 'paths relative to the watch dir, e.g. passwd ssh/sshd_config')
    .option('-R, --rules-file <file>', 'rules file')
    .option('-W, --watch-dir <dir>', 'look up each path type in this tree')
    .option('--type <t>', 'type when the path is not looked up: f (file), d (dir), l (symlink)')
    .option('--no-default-excludes', 'leave the built-in safety excludes out')
    .exitOverride()
    .action(
      async (
        paths: string[],
        opts: { rulesFile?: string; watchDir?: string; type?: string; defaultExcludes: boolean },
      ) => {
        program.setOptionValue(
          'exitStatus',
          await handlers.rulesCheck({
            ...(opts.rulesFile !== undefined ? { rulesFile: opts.rulesFile } : {}),
            ...(opts.watchDir !== undefined ? { watchDir: opts.watchDir } : {}),
            ...(opts.type !== undefined ? { type: opts.type } : {}),
            defaultExcludes: opts.defaultExcludes,
            paths,
          }),
        );
      },
    );
  return program;
}

function toConfig(raw: RawOptions): SyncConfig {
  if (raw.watchDir === undefined)
    throw new UsageError('-W/--watch-dir is required (the source tree to sync)');
  const watchDir = realDirectory('-W/--watch-dir', raw.watchDir);
  const destDir = raw.destinationDir ?? watchDir;
  if (!isAbsolute(destDir))
    throw new UsageError(`-D/--destination-dir must be absolute, got ${JSON.stringify(destDir)}`);
  if (resolve(destDir) === '/')
    throw new UsageError("-D/--destination-dir / is refused: it would make every node's / mirror the tree");
  if (raw.transport === 'local' && raw.localRoot === undefined)
    throw new UsageError('--transport local needs --local-root DIR');
  if (raw.verbose === true && raw.quiet === true) throw new UsageError('-v and -q exclude each other');
  if (raw.hostsFile.length === 0 && raw.hosts.length === 0) {
    throw new UsageError('no hosts: give -H/--hosts-file FILE or -w/--hosts EXPR');
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(raw.label)) {
    throw new UsageError(
      `-l/--label: use 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(raw.label)}`,
    );
  }
  const verbosity: Verbosity = raw.verbose === true ? 'verbose' : raw.quiet === true ? 'quiet' : 'normal';
  const once = raw.once === true || raw.dryRun === true;
  return {
    watchDir,
    destDir: resolve(destDir),
    ...(raw.rulesFile !== undefined ? { rulesFile: raw.rulesFile } : {}),
    defaultExcludes: raw.defaultExcludes,
    hostsFiles: raw.hostsFile,
    hostExprs: raw.hosts,
    excludeExprs: raw.exclude,
    once,
    dryRun: raw.dryRun === true,
    transport: raw.transport,
    ...(raw.localRoot !== undefined ? { localRoot: resolve(raw.localRoot) } : {}),
    fanout: parseCount('-f/--fanout', raw.fanout, 1, 4096),
    connectTimeoutMs: Math.max(1000, parseSeconds('--connect-timeout', raw.connectTimeout)),
    operationTimeoutMs: Math.max(1000, parseSeconds('--command-timeout', raw.commandTimeout)),
    retries: raw.retries !== undefined ? parseCount('--retries', raw.retries, 0, 100) : once ? 3 : 0,
    ...(raw.sshConfig !== undefined ? { sshConfigFile: readableFile('--ssh-config', raw.sshConfig) } : {}),
    identityFiles: raw.identity.map((f) => readableFile('-i/--identity', f)),
    ...(raw.knownHosts !== undefined ? { knownHostsFile: resolve(raw.knownHosts) } : {}),
    acceptNewHostKeys: raw.acceptNewHostKeys === true,
    user: raw.user,
    remoteTmp: raw.remoteTmp,
    stateDir: resolve(raw.stateDir),
    ...(raw.report !== undefined ? { reportFile: raw.report } : {}),
    noDelete: !raw.delete,
    ignoreTimes: raw.ignoreTimes === true,
    label: raw.label,
    verbosity,
    delayCollectMs: parseSeconds('--delay-collect', raw.delayCollect),
    delaySyncMs: parseSeconds('--delay-sync', raw.delaySync),
    thresholdBigfile: parseBytes('--threshold-bigfile', raw.thresholdBigfile),
    delayCollectBigfileMs: parseSeconds('--delay-collect-bigfile', raw.delayCollectBigfile),
    exitOnNoEvents: raw.exitOnNoEvents === true,
    ...(raw.statusFile !== undefined ? { statusFile: resolve(raw.statusFile) } : {}),
    ...(raw.pidFile !== undefined ? { pidFile: resolve(raw.pidFile) } : {}),
  };
}

function realDirectory(option: string, path: string): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    throw new UsageError(`${option} ${path}: ${describeFsError(error)}`);
  }
  if (!statSync(real).isDirectory()) throw new UsageError(`${option} ${path}: not a directory`);
  return real;
}

function readableFile(option: string, path: string): string {
  try {
    if (!statSync(path).isFile()) throw new UsageError(`${option} ${path}: not a regular file`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${option} ${path}: ${describeFsError(error)}`);
  }
  return resolve(path);
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'ENOTDIR':
      return 'Not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
