// Rule[] → PathMatcher. Everything that can be prepared is prepared here (RegExps, per-type rule
// lists, which `+` rules may justify walking) so decide() is a few regex tests and no allocation
// beyond its result.
//
// Order of evaluation for decide(path, type):
//  1. built-in safety excludes (name in any directory) → nothing at all
//  2. user rules top-down; per action (sync, walk, monitor) the first rule that decides that action,
//     applies to the type and matches, decides it; no rule → permit (clsync's default)
//  3. directories: a `-` that is not a directory rule (`-*`, `- name`) does not stop the walk when a
//     `+` rule could match below (the clsync trap `+f^ssh/sshd_config$` + `-*`: walk '' and 'ssh');
//     monitor follows walk unless a `d`/`m`/`W`/`dir/` rule decided it.
import type { EntryType } from '../types.js';
import { BuiltinIndex } from './builtin-index.js';
import { DEFAULT_EXCLUDES, OWN_TEMP_EXCLUDE, type DefaultExclude } from './default-excludes.js';
import { reachesBelow } from './path-reach.js';
import { namesDirectoriesOnly, type PathReach, type Rule } from './rule.js';
import type { PathMatcher, RuleDecision, RuleSource } from './types.js';

export interface CompileOptions {
  /** The built-in safety excludes (DEFAULT_EXCLUDES); our own temp files are excluded regardless. */
  readonly defaultExcludes: boolean;
}

/** A RuleDecision that also names the rules behind walk and monitor, for `rules check`. */
export interface DetailedDecision extends RuleDecision {
  readonly walkDecidedBy?: RuleSource;
  readonly monitorDecidedBy?: RuleSource;
}

interface CompiledRule {
  readonly rule: Rule;
  readonly regex: RegExp;
  /** From the rule's reach: the only path it matches (string compare, no regex) … */
  readonly exact: string | undefined;
  /** … or a prefix every match has (a cheap pre-check before the regex). */
  readonly prefix: string;
  readonly sync: boolean;
  readonly walk: boolean;
  readonly monitor: boolean;
  /** A `-` of it stops the walk outright. */
  readonly directoryRule: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const NOT_A_DIR_PERMITTED: RuleDecision = Object.freeze({ sync: true, walk: false, monitor: false });
const ENTRY_TYPES: readonly EntryType[] = ['file', 'dir', 'symlink'];

/** Deny rules that match every non-empty path of every type: `+` rules after one can never win. */
const CATCH_ALL_ERES = new Set(['', '^', '.', '.*', '.+', '^.', '^.*', '^.+', '.*$', '^.*$', '^.+$']);
const CATCH_ALL_GLOBS = new Set(['*', '**', '/**', '**/*', '/**/*']);

export class CompiledRules implements PathMatcher {
  readonly rules: readonly Rule[];
  /** The built-ins in force. */
  readonly builtinExcludes: readonly DefaultExclude[];
  private readonly builtins: BuiltinIndex;
  private readonly byType: Readonly<Record<EntryType, readonly CompiledRule[]>>;
  /** Reach of every `+` rule that can still win somewhere (before the first catch-all deny). */
  private readonly walkJustifiers: readonly PathReach[];
  /** One of them is unanchored: every directory may hold a permitted path. */
  private readonly permitsAnywhere: boolean;

  constructor(rules: readonly Rule[], options: CompileOptions) {
    this.rules = [...rules];
    this.builtinExcludes = [...(options.defaultExcludes ? DEFAULT_EXCLUDES : []), OWN_TEMP_EXCLUDE];
    this.builtins = new BuiltinIndex(this.builtinExcludes);
    const compiled = rules.map((rule): CompiledRule => ({
      rule,
      regex: new RegExp(rule.regexSource, rule.regexFlags),
      exact: rule.reach.kind === 'exact' ? rule.reach.literal : undefined,
      prefix: rule.reach.kind === 'prefix' ? rule.reach.literal : '',
      sync: rule.actions.includes('sync'),
      walk: rule.actions.includes('walk'),
      monitor: rule.actions.includes('monitor'),
      directoryRule: namesDirectoriesOnly(rule),
    }));
    const forType = (type: EntryType): CompiledRule[] =>
      // only directories are walked or monitored: other types need just the sync-deciding rules
      compiled.filter((c) => c.rule.entryTypes.includes(type) && (type === 'dir' || c.sync));
    this.byType = { file: forType('file'), dir: forType('dir'), symlink: forType('symlink') };
    const catchAll = rules.findIndex(isCatchAllDeny);
    const live = catchAll === -1 ? rules : rules.slice(0, catchAll);
    this.walkJustifiers = live.filter((r) => r.permit).map((r) => r.reach);
    this.permitsAnywhere = this.walkJustifiers.some((reach) => reach.kind === 'anywhere');
  }

  decide(path: string, type: EntryType): DetailedDecision {
    const builtin = this.builtinFor(path);
    if (builtin !== undefined)
      return { sync: false, walk: false, monitor: false, builtinExclude: builtin.pattern };
    if (type !== 'dir') {
      for (const c of this.byType[type]) {
        if (matches(c, path))
          return { sync: c.rule.permit, walk: false, monitor: false, decidedBy: c.rule.source };
      }
      return NOT_A_DIR_PERMITTED;
    }
    return this.decideDirectory(path);
  }

  /** Could a `+` rule that is not shadowed by a catch-all match something strictly below `dir`? */
  permittedPathMayLieBelow(dir: string): boolean {
    if (this.permitsAnywhere) return true;
    const below = dir === '' ? '' : `${dir}/`;
    for (const reach of this.walkJustifiers) if (reachesBelow(reach, below)) return true;
    return false;
  }

  private decideDirectory(path: string): DetailedDecision {
    let syncBy: CompiledRule | undefined;
    let walkBy: CompiledRule | undefined;
    let monitorBy: CompiledRule | undefined;
    for (const c of this.byType.dir) {
      const wanted = (c.sync && !syncBy) || (c.walk && !walkBy) || (c.monitor && !monitorBy);
      if (!wanted || !matches(c, path)) continue;
      if (c.sync && !syncBy) syncBy = c;
      if (c.walk && !walkBy) walkBy = c;
      if (c.monitor && !monitorBy) monitorBy = c;
      if (syncBy && walkBy && monitorBy) break;
    }
    let walk = true; // nothing decided: default permit
    let autoWalk = false;
    if (walkBy !== undefined && !walkBy.rule.permit) {
      walk = !walkBy.directoryRule && this.permittedPathMayLieBelow(path);
      autoWalk = walk;
    }
    const decision: Mutable<DetailedDecision> = {
      sync: syncBy ? syncBy.rule.permit : true,
      walk,
      monitor: monitorBy ? monitorBy.rule.permit : walk,
    };
    if (syncBy) decision.decidedBy = syncBy.rule.source;
    if (autoWalk) decision.autoWalk = true;
    if (walkBy) decision.walkDecidedBy = walkBy.rule.source;
    if (monitorBy) decision.monitorDecidedBy = monitorBy.rule.source;
    return decision;
  }

  private builtinFor(path: string): DefaultExclude | undefined {
    return this.builtins.lookup(path.slice(path.lastIndexOf('/') + 1));
  }
}

export function compileRules(rules: readonly Rule[], options: CompileOptions): CompiledRules {
  return new CompiledRules(rules, options);
}

function matches(c: CompiledRule, path: string): boolean {
  if (c.exact !== undefined) return path === c.exact;
  return path.startsWith(c.prefix) && c.regex.test(path);
}

function isCatchAllDeny(rule: Rule): boolean {
  if (rule.permit || !ENTRY_TYPES.every((t) => rule.entryTypes.includes(t))) return false;
  return rule.syntax === 'regex' ? CATCH_ALL_ERES.has(rule.ere) : CATCH_ALL_GLOBS.has(rule.glob);
}
