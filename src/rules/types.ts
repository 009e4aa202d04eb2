// The contract between the rules engine and its users (tree scan, watcher, `rules check`).
import type { EntryType } from '../types.js';

/** Where a rule came from, for `rules check` and error messages. */
export interface RuleSource {
  readonly file: string;
  readonly line: number;
  /** The rule as written (without the trailing newline). */
  readonly text: string;
}

/**
 * What the rules say about one path. clsync's three actions:
 *  sync    the object itself is sent to the nodes
 *  walk    (directories) the scanner descends into it
 *  monitor (directories) the watcher puts an inotify watch on it
 */
export interface RuleDecision {
  readonly sync: boolean;
  readonly walk: boolean;
  readonly monitor: boolean;
  /** The rule that decided `sync`; undefined = nothing matched (default permit) or a built-in. */
  readonly decidedBy?: RuleSource;
  /** Set when a built-in safety exclude decided (name of the pattern). */
  readonly builtinExclude?: string;
  /** Set when walk/monitor were granted only because a permitted path may lie below. */
  readonly autoWalk?: boolean;
}

/** Pure and synchronous: the scanner calls it once per directory entry. */
export interface PathMatcher {
  /** `path` is relative to the watch dir, '/'-separated, no leading slash; '' is the root. */
  decide(path: string, type: EntryType): RuleDecision;
}
