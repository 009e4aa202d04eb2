// `clsync-hpc rules check`: which rule decides each path, and what that means (sync, walk,
// monitor). Exit 0 when every path was explained, 2 on a bad rules file or a bad --type.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { explainDecision } from '../rules/explain.js';
import { loadRules } from '../rules/load-rules.js';
import type { EntryType } from '../types.js';
import type { CliStreams } from './run-cli.js';

const TYPE_LETTERS: Record<string, EntryType> = { f: 'file', d: 'dir', l: 'symlink' };

export async function runRulesCheck(
  args: { rulesFile?: string; watchDir?: string; defaultExcludes: boolean; type?: string; paths: string[] },
  streams: CliStreams,
): Promise<number> {
  const forced = args.type === undefined ? undefined : TYPE_LETTERS[args.type];
  if (args.type !== undefined && forced === undefined)
    throw new UsageError(`--type: expected f, d or l, got ${JSON.stringify(args.type)}`);
  const matcher = await loadRules(args.rulesFile, { defaultExcludes: args.defaultExcludes });
  for (const raw of args.paths) {
    const path = raw.replace(/^\/+/, '').replace(/\/+$/, '');
    const type = forced ?? (await lookUpType(args.watchDir, path, raw.endsWith('/')));
    streams.stdout(`${explainDecision(path, type, matcher.decide(path, type))}\n`);
  }
  return 0;
}

async function lookUpType(
  watchDir: string | undefined,
  path: string,
  trailingSlash: boolean,
): Promise<EntryType> {
  if (watchDir === undefined) return trailingSlash ? 'dir' : 'file';
  try {
    const stats = await lstat(join(watchDir, path));
    return stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? 'symlink' : 'file';
  } catch {
    return trailingSlash ? 'dir' : 'file'; // not there (yet): judge it as the name suggests
  }
}
