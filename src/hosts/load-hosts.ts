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
  for (const expression of sources.inline)
    for (const h of expandHostlist(expression, { file: '-w' })) listed.push(h);
  const excluded = sources.exclude.flatMap((expression) => expandHostlist(expression, { file: '-x' }));
  const unique = uniqueHosts(listed);
  if (unique.length > MAX_HOSTS_TOTAL) {
    throw new UsageError(`too many hosts: ${unique.length} (at most ${MAX_HOSTS_TOTAL} per run)`);
  }
  const hosts = excludeHosts(unique, excluded);
  if (unique.length === 0) throw new UsageError(`no hosts: ${describeEmptySources(sources.files)}`);
  if (hosts.length === 0)
    throw new UsageError(`no hosts: all ${unique.length} listed hosts are excluded by -x`);
  return hosts;
}

async function readHostsFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`-H/--hosts-file ${file}: ${describeReadError(error)}`);
  }
}

// -w cannot be empty (that is a parse error), so an empty list always comes from the files
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
