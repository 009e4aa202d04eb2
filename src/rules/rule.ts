// A parsed rules-file line as plain data (no RegExp objects): parseRules() produces it,
// compileRules() turns it into matchers. Both syntaxes end up in the same shape.
import type { EntryType } from '../types.js';
import type { RuleSource } from './types.js';

/** clsync's three actions: send the object, descend into a directory, put a watch on it. */
export type RuleAction = 'sync' | 'walk' | 'monitor';

/** The letter after the sign in a clsync-style line (`+f^passwd$`). */
export type RegexTypeLetter = 'f' | 'l' | 'd' | '*' | 'w' | 'm' | 's' | 'W';

/**
 * Which paths a pattern can possibly match, judged from its text alone. Used to decide whether a
 * `+` rule could permit something strictly below a directory (auto-walk).
 *  anywhere  no usable anchored literal: assume it can match below any directory
 *  prefix    every match starts with `literal`
 *  exact     the only path it matches is `literal`
 */
export type PathReach =
  | { readonly kind: 'anywhere' }
  | { readonly kind: 'prefix'; readonly literal: string }
  | { readonly kind: 'exact'; readonly literal: string };

interface RuleCommon {
  readonly source: RuleSource;
  /** `+` (true) or `-` (false). */
  readonly permit: boolean;
  /** The entry types this rule speaks about; other types skip it. */
  readonly entryTypes: readonly EntryType[];
  /**
   * The actions this rule decides. Generic rules (`f`, `l`, `*`, globs without a trailing `/`) do
   * not decide `monitor`: monitoring follows walking unless a directory rule says otherwise.
   */
  readonly actions: readonly RuleAction[];
  /** JavaScript RegExp source (with `regexFlags`) tested against the watch-dir-relative path. */
  readonly regexSource: string;
  readonly regexFlags: string;
  readonly reach: PathReach;
}

/** `<+|-><type letter><POSIX ERE>` (clsync). */
export interface RegexRule extends RuleCommon {
  readonly syntax: 'regex';
  readonly typeLetter: RegexTypeLetter;
  /** The POSIX extended regular expression as written. */
  readonly ere: string;
}

/** `<+|-> <glob>` (rsync filter style). */
export interface GlobRule extends RuleCommon {
  readonly syntax: 'glob';
  /** The glob as written (with its leading and trailing `/`, if any). */
  readonly glob: string;
  /** Written with a leading `/`: matched from the watch dir instead of at any depth. */
  readonly anchored: boolean;
  /** Written with a trailing `/`: directories only. */
  readonly dirOnly: boolean;
}

export type Rule = RegexRule | GlobRule;

/** A rule that only speaks about directories: a `-` of it stops walking even if permitted paths lie below. */
export function namesDirectoriesOnly(rule: Rule): boolean {
  return rule.entryTypes.length === 1 && rule.entryTypes[0] === 'dir';
}
