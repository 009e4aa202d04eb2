// Rules file text → Rule[]. Pure. Two line forms share one file and one order:
//   <+|-><type><POSIX ERE>   clsync:  +f^passwd$   -*   +d^ssh$
//   <+|-> <glob>             rsync:   + /passwd    - *.swp   + slurm/***
// Unlike clsync, every line is checked: an unknown sign or type letter, an empty or bad regex is an
// error naming file:line (clsync dropped or lower-cased such lines, or silently lost the last
// character of a last line without a newline). All errors of a file are reported at once.
import type { EntryType } from '../types.js';
import { ereReach } from './path-reach.js';
import type { GlobRule, RegexRule, RegexTypeLetter, Rule, RuleAction } from './rule.js';
import { rulesParseFailure } from './rules-parse-failure.js';
import { ERE_FLAGS, translateEre } from './translate-ere.js';
import { GLOB_FLAGS, translateGlob } from './translate-glob.js';

const ALL_TYPES: readonly EntryType[] = ['file', 'dir', 'symlink'];
const DIRS: readonly EntryType[] = ['dir'];

/** What each clsync type letter covers. `W` is walk+monitor as clsync documented (it parsed it as `w`). */
const TYPE_LETTERS: Readonly<
  Record<RegexTypeLetter, { entryTypes: readonly EntryType[]; actions: readonly RuleAction[] }>
> = {
  f: { entryTypes: ['file', 'symlink'], actions: ['sync'] }, // clsync's initial sync saw symlinks as files
  l: { entryTypes: ['symlink'], actions: ['sync'] },
  d: { entryTypes: DIRS, actions: ['sync', 'walk', 'monitor'] },
  '*': { entryTypes: ALL_TYPES, actions: ['sync', 'walk'] },
  w: { entryTypes: DIRS, actions: ['walk'] },
  m: { entryTypes: DIRS, actions: ['monitor'] },
  s: { entryTypes: DIRS, actions: ['sync'] },
  W: { entryTypes: DIRS, actions: ['walk', 'monitor'] },
};

const LETTER_LIST = 'f, l, d, *, w, m, s or W';

export function parseRules(text: string, file: string): Rule[] {
  const rules: Rule[] = [];
  const problems: { line: number; part: string; reason: string }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim(); // CRLF files, trailing blanks, indentation
    if (line === '' || line.startsWith('#')) return;
    const result = parseLine(line, { file, line: index + 1, text: line });
    if ('reason' in result) problems.push({ line: index + 1, ...result });
    else rules.push(result);
  });
  if (problems.length > 0) throw rulesParseFailure(file, problems);
  return rules;
}

type LineResult = Rule | { part: string; reason: string };

function parseLine(line: string, source: RegexRule['source']): LineResult {
  const sign = line[0];
  if (sign !== '+' && sign !== '-') {
    return { part: line, reason: 'unknown sign (a rule starts with + or -, a comment with #)' };
  }
  const permit = sign === '+';
  const second = line[1];
  if (second === undefined)
    return { part: line, reason: `missing type letter (${LETTER_LIST}) or "${sign} <glob>"` };
  if (second === ' ') return parseGlobLine(line, source, permit);
  if (second === '\t')
    return { part: line, reason: `a tab after the sign: a glob line is "${sign} <glob>" with one space` };
  if (!(second in TYPE_LETTERS)) {
    const hint = second.toLowerCase() in TYPE_LETTERS ? ' (type letters are case-sensitive)' : '';
    return {
      part: line,
      reason: `unknown type letter ${JSON.stringify(second)}${hint}: expected ${LETTER_LIST}, or a space for a glob`,
    };
  }
  const typeLetter = second as RegexTypeLetter;
  const ere = line.slice(2);
  // `-*` / `+*` (any type, everything) is clsync's catch-all idiom; elsewhere an empty regex is
  // most likely a truncated line, so it must be spelled out.
  if (ere === '' && typeLetter !== '*') {
    return { part: line, reason: `empty regex (to match every path write ${sign}${typeLetter}^)` };
  }
  const translation = translateEre(ere);
  if (!translation.ok) return { part: ere, reason: `bad regex: ${translation.problem}` };
  const rule: RegexRule = {
    syntax: 'regex',
    source,
    permit,
    typeLetter,
    ere,
    ...TYPE_LETTERS[typeLetter],
    regexSource: translation.source,
    regexFlags: ERE_FLAGS,
    reach: ereReach(ere),
  };
  return rule;
}

function parseGlobLine(line: string, source: GlobRule['source'], permit: boolean): LineResult {
  const glob = line.slice(2);
  if (glob === '') return { part: line, reason: 'empty glob' };
  if (glob.startsWith(' ') || glob.startsWith('\t')) {
    return {
      part: line,
      reason: 'more than one blank after the sign (a glob line is "+ <glob>" with exactly one space)',
    };
  }
  const translation = translateGlob(glob);
  if (!translation.ok) return { part: glob, reason: `bad glob: ${translation.problem}` };
  const rule: GlobRule = {
    syntax: 'glob',
    source,
    permit,
    glob,
    anchored: translation.anchored,
    dirOnly: translation.dirOnly,
    entryTypes: translation.dirOnly ? DIRS : ALL_TYPES,
    actions: translation.dirOnly ? ['sync', 'walk', 'monitor'] : ['sync', 'walk'],
    regexSource: translation.source,
    regexFlags: GLOB_FLAGS,
    reach: translation.reach,
  };
  return rule;
}
