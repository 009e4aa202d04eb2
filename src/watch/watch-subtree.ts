// Puts watches on a directory and every monitored directory below it, each one BEFORE reading it:
// a subdirectory created after the read is then reported by the parent's watch, one created before
// is found by the read. Nothing slips between the two (clsync's order, sync_mark_walk).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PathMatcher, RuleDecision } from '../rules/types.js';
import type { AddWatchResult } from './inotify-helper.js';
import { joinRelative, type WatchTable } from './watch-table.js';

export interface SubtreeWatchDeps {
  readonly root: string;
  readonly matcher: PathMatcher;
  readonly table: WatchTable;
  /** InotifyHelper.addWatch: `onReply` must run before later events are interpreted. */
  readonly addWatch: (
    absolutePath: string,
    onReply: (result: AddWatchResult) => void,
  ) => Promise<AddWatchResult>;
  /** Stamped on every watch confirmed by this walk (see WatchTable.entriesConfirmedBefore). */
  readonly epoch: number;
}

export interface SubtreeWatchOutcome {
  /** Directories that exist but have no watch: path → errno name (ENOSPC, EACCES…). */
  readonly unwatched: Map<string, string>;
  /** Directories whose entries could not be listed: path → errno name. */
  readonly unreadable: Map<string, string>;
  /** Directories holding a subdirectory whose name is not valid UTF-8 (not watched). */
  readonly undecodable: Set<string>;
  /** The helper exited during the walk (its exit handler restarts everything). */
  helperGone: boolean;
}

/** The root is always watched and walked: it is what the user asked to sync. */
const ROOT_DECISION: RuleDecision = { sync: true, walk: true, monitor: true };
const utf8 = new TextDecoder('utf-8', { fatal: true });
// gone, or replaced by a non-directory since it was seen: the parent's events report that
const VANISHED = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

export async function watchSubtree(dir: string, deps: SubtreeWatchDeps): Promise<SubtreeWatchOutcome> {
  const outcome: SubtreeWatchOutcome = {
    unwatched: new Map(),
    unreadable: new Map(),
    undecodable: new Set(),
    helperGone: false,
  };
  await visit(dir, deps, outcome);
  return outcome;
}

async function visit(dir: string, deps: SubtreeWatchDeps, outcome: SubtreeWatchOutcome): Promise<void> {
  const decision = dir === '' ? ROOT_DECISION : deps.matcher.decide(dir, 'dir');
  const absolute = dir === '' ? deps.root : join(deps.root, dir);
  if (decision.monitor) {
    const added = await deps.addWatch(absolute, (reply) => {
      if (reply.ok) deps.table.set(reply.wd, dir, deps.epoch);
    });
    if (!added.ok) {
      if (added.code === 'EHELPERGONE') {
        outcome.helperGone = true;
        return;
      }
      if (VANISHED.has(added.code)) return;
      outcome.unwatched.set(dir, added.code);
    }
  }
  if (!decision.walk) return;
  const subdirs = listSubdirectories(absolute, dir, outcome);
  await Promise.all(subdirs.map((subdir) => visit(subdir, deps, outcome)));
}

function listSubdirectories(absolute: string, dir: string, outcome: SubtreeWatchOutcome): string[] {
  let entries;
  try {
    // Dirent types come from d_type: no stat per entry; symlinks to directories are not followed
    entries = readdirSync(absolute, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    if (!VANISHED.has(code)) outcome.unreadable.set(dir, code);
    return [];
  }
  const subdirs: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    try {
      subdirs.push(joinRelative(dir, utf8.decode(entry.name)));
    } catch {
      outcome.undecodable.add(dir);
    }
  }
  return subdirs;
}
