// The I/O edge of host lists: read -H files, expand -w, remove -x, and refuse an empty result
// before any node is contacted (UsageError → exit 2).
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { excludeHosts, uniqueHosts } from './host-set.js';
import { parseHostsFile } from './hosts-file.js';
import { expandHostlist } from './parse-hostlist.js';

export interface HostSources {
  /** -H/--hosts-file paths. */
  readonly files: readonly string[];
  /** -w/--hosts expressions. */
  readonly inline: readonly string[];
  /** -x/--exclude expressions. */
  readonly exclude: readonly string[];
}

/** A run this large is a mistake (each expression is capped separately; this caps their sum). */
export const MAX_HOSTS_TOTAL = 1_000_000;

/** Files first, then -w, in the order given; duplicates dropped; -x applied last. */
export async function loadHosts(sources: HostSources): Promise<string[]> {
  const listed: string[] = [];
  // Loops, not push(...list): a spread of a few hundred thousand hosts overflows the stack.
  for (const file of sources.files)
    for (const h of parseHostsFile(await readHostsFile(file), file)) listed.push(h);
  for (const expression of sources.inline) for (const h of await hostsOf(expression, '-w')) listed.push(h);
  const excluded: string[] = [];
  for (const expression of sources.exclude) for (const h of await hostsOf(expression, '-x')) excluded.push(h);
  const unique = uniqueHosts(listed);
  if (unique.length > MAX_HOSTS_TOTAL) {
    throw new UsageError(`too many hosts: ${unique.length} (at most ${MAX_HOSTS_TOTAL} per run)`);
  }
  const hosts = excludeHosts(unique, excluded);
  if (unique.length === 0) {
    const files = [
      ...sources.files,
      ...sources.inline.filter((e) => e.startsWith('^')).map((e) => e.slice(1)),
    ];
    throw new UsageError(`no hosts: ${describeEmptySources(files)}`);
  }
  if (hosts.length === 0)
    throw new UsageError(`no hosts: all ${unique.length} listed hosts are excluded by -x`);
  return hosts;
}

/** A -w/-x argument: a hostlist, or as in pdsh `^FILE`, the hosts listed in FILE (-H's format). */
async function hostsOf(expression: string, flag: '-w' | '-x'): Promise<string[]> {
  if (!expression.startsWith('^')) return expandHostlist(expression, { file: flag });
  const file = expression.slice(1);
  if (file === '') throw new UsageError(`${flag} ^: a file name must follow the ^ (${flag} ^FILE)`);
  return parseHostsFile(await readHostsFile(file, `${flag} ^`), file);
}

async function readHostsFile(file: string, option = '-H/--hosts-file '): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${option}${file}: ${describeReadError(error)}`);
  }
}

// -w cannot be empty (that is a parse error), so an empty list always comes from the files (-H, -w ^FILE)
function describeEmptySources(files: readonly string[]): string {
  if (files.length === 0) return 'give -H/--hosts-file FILE or -w/--hosts EXPR';
  const verb = files.length === 1 ? 'lists' : 'list';
  return `${files.join(', ')} ${verb} no host (only comments or blank lines)`;
}

// the OS reason in the words of strerror(3), as the other file options print it
function describeReadError(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOTDIR':
      return 'Not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
