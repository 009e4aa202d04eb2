// One error for a whole rules file: a plain RulesParseError when one line is wrong, a
// RulesFileErrors (still a RulesParseError, for the first bad line) listing every bad line
// otherwise, so an admin fixes a file in one round instead of one line per run.
import { RulesParseError } from '../errors.js';

export interface LineProblem {
  readonly line: number;
  readonly part: string;
  readonly reason: string;
}

/** Several bad lines; `file`/`line`/`part` are the first one's, `message` has one line per problem. */
export class RulesFileErrors extends RulesParseError {
  readonly errors: readonly RulesParseError[];

  constructor(errors: readonly RulesParseError[]) {
    const first = errors[0];
    if (first === undefined) throw new TypeError('RulesFileErrors needs at least one error');
    super(first.file, first.line, first.part, 'several errors'); // message replaced below
    this.errors = errors;
    this.message = `${errors.length} errors in rules file ${first.file}:\n${errors.map((e) => `  ${e.message}`).join('\n')}`;
  }
}

export function rulesParseFailure(file: string, problems: readonly LineProblem[]): RulesParseError {
  const errors = problems.map((p) => new RulesParseError(file, p.line, p.part, p.reason));
  return errors.length === 1 ? (errors[0] as RulesParseError) : new RulesFileErrors(errors);
}
