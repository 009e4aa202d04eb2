// One human line per decision, for `clsync-hpc rules check`:
//   passwd (file): SYNC by rules.txt:1: +f^passwd$
//   passwd- (file): EXCLUDED by built-in "passwd-" (shadow-utils backup: the previous passwd)
//   ssh (dir): walk+monitor (auto: a permitted path lies below), not synced by rules.txt:5: -*
// Decisions from CompiledRules also say which rules decided walk and monitor (DetailedDecision);
// without them walk/monitor are reported as the default.
import type { EntryType } from '../types.js';
import type { DetailedDecision } from './compile-rules.js';
import { DEFAULT_EXCLUDES, OWN_TEMP_EXCLUDE } from './default-excludes.js';
import type { RuleDecision, RuleSource } from './types.js';

interface Clause {
  readonly text: string;
  readonly by?: RuleSource;
  readonly note?: string;
}

const DEFAULT_PERMIT = 'no rule matched: default permit';

export function explainDecision(path: string, type: EntryType, decision: RuleDecision): string {
  const subject = `${path === '' ? '<root>' : path} (${type})`;
  if (decision.builtinExclude !== undefined) {
    const builtin = [...DEFAULT_EXCLUDES, OWN_TEMP_EXCLUDE].find(
      (b) => b.pattern === decision.builtinExclude,
    );
    const reason = builtin === undefined ? '' : ` (${builtin.reason})`;
    return `${subject}: EXCLUDED by built-in ${JSON.stringify(decision.builtinExclude)}${reason}`;
  }
  const clauses = type === 'dir' ? directoryClauses(decision) : [syncClause(decision, 'EXCLUDED')];
  return `${subject}: ${render(clauses)}`;
}

export function formatRuleSource(source: RuleSource): string {
  return `${source.file}:${source.line}: ${source.text}`;
}

function syncClause(decision: RuleDecision, refused: string): Clause {
  const text = decision.sync ? 'SYNC' : refused;
  return decision.decidedBy ? { text, by: decision.decidedBy } : { text, note: DEFAULT_PERMIT };
}

function directoryClauses(decision: RuleDecision): Clause[] {
  const detailed = decision as DetailedDecision;
  const monitorOwnRule =
    detailed.monitorDecidedBy !== undefined && !sameSource(detailed.monitorDecidedBy, detailed.walkDecidedBy);
  const walkWord = decision.walk ? 'walk' : 'no walk';
  const walkText = monitorOwnRule ? walkWord : decision.walk ? 'walk+monitor' : 'no walk, no monitor';
  const walk: Clause = decision.autoWalk
    ? { text: walkText, note: 'auto: a permitted path lies below' }
    : detailed.walkDecidedBy === undefined
      ? { text: walkText, note: DEFAULT_PERMIT }
      : { text: walkText, by: detailed.walkDecidedBy };
  const clauses = [walk];
  if (monitorOwnRule && detailed.monitorDecidedBy) {
    clauses.push({ text: decision.monitor ? 'monitor' : 'no monitor', by: detailed.monitorDecidedBy });
  }
  clauses.push(syncClause(decision, 'not synced'));
  return clauses;
}

/** Clauses with the same rule (or the same note) share one "by …" / "(…)". */
function render(clauses: readonly Clause[]): string {
  const parts: string[] = [];
  let group: Clause[] = [];
  const flush = (): void => {
    const last = group[group.length - 1];
    if (last === undefined) return;
    const texts = group.map((c) => c.text).join(', ');
    parts.push(
      last.by !== undefined ? `${texts} by ${formatRuleSource(last.by)}` : `${texts} (${last.note ?? ''})`,
    );
    group = [];
  };
  for (const clause of clauses) {
    const previous = group[group.length - 1];
    if (previous !== undefined && !sameReason(previous, clause)) flush();
    group.push(clause);
  }
  flush();
  return parts.join(', ');
}

function sameReason(a: Clause, b: Clause): boolean {
  return a.by !== undefined || b.by !== undefined ? sameSource(a.by, b.by) : a.note === b.note;
}

function sameSource(a: RuleSource | undefined, b: RuleSource | undefined): boolean {
  return a !== undefined && b !== undefined && a.file === b.file && a.line === b.line;
}
