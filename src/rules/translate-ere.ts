// POSIX extended regular expression (what clsync hands to regcomp(REG_EXTENDED)) → JavaScript
// RegExp source. Written out token by token because the two dialects disagree in places that
// matter for paths: `\` is literal inside POSIX brackets, `[[:alnum:]]` classes, `a+?` stacks
// quantifiers in POSIX but is lazy in JS, `(?` means nothing in POSIX. What has no faithful
// translation is refused with a reason instead of guessed.
import { bracketToJs } from './translate-ere-bracket.js';

export type PatternTranslation =
  { readonly ok: true; readonly source: string } | { readonly ok: false; readonly problem: string };

/** Flags for translated EREs: `s` because POSIX `.` matches a newline too, `u` for code points. */
export const ERE_FLAGS = 'su';

/** glibc's RE_DUP_MAX: the largest count allowed in `{m,n}`. */
const DUP_MAX = 0x7fff;

/** GNU escapes that JavaScript spells the same way (C-locale meaning). */
const SAME_ESCAPES = new Set(['w', 'W', 's', 'S', 'b', 'B']);
const GNU_ESCAPES: Record<string, string> = {
  '<': '\\b(?=\\w)', // start of word
  '>': '\\b(?<=\\w)', // end of word
  '`': '^', // start of buffer (no multiline flag: same as ^)
  "'": '$', // end of buffer
};

/** Characters that need a backslash to be literal in a JS `u` regex outside brackets. */
const JS_SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);

export function escapeJsLiteral(char: string): string {
  return JS_SYNTAX.has(char) ? `\\${char}` : char;
}

/** Translate an ERE; on failure the problem names the construct. Validated by compiling it. */
export function translateEre(ere: string): PatternTranslation {
  const chars = Array.from(ere);
  let out = '';
  let depth = 0;
  // what the previous token was, for "nothing to repeat" and stacked quantifiers
  let previous: 'start' | 'atom' | 'quantifier' | 'open' | 'alternation' | 'anchor' = 'start';

  const quantify = (text: string, token: string): PatternTranslation | undefined => {
    if (previous === 'quantifier') {
      return fail(
        `stacked quantifier ${JSON.stringify(token)} (POSIX repeats the repetition, JavaScript reads it as lazy): wrap the first part in ( )`,
      );
    }
    if (previous !== 'atom') return fail(`${JSON.stringify(token)} has nothing to repeat`);
    out += text;
    previous = 'quantifier';
    return undefined;
  };

  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    switch (c) {
      case '\\': {
        const next = chars[i + 1];
        if (next === undefined) return fail('trailing backslash');
        i++;
        if (/^[1-9]$/.test(next)) {
          out += `\\${next}`; // back-reference: same meaning in both; JS rejects a missing group
        } else if (SAME_ESCAPES.has(next)) {
          out += `\\${next}`;
        } else if (next in GNU_ESCAPES) {
          out += GNU_ESCAPES[next] as string;
          previous = 'anchor';
          continue;
        } else if (/^[A-Za-z0-9]$/.test(next)) {
          return fail(
            `unsupported escape "\\${next}" (POSIX leaves it undefined; write the character itself or a bracket expression)`,
          );
        } else {
          out += escapeJsLiteral(next);
        }
        previous = next === 'b' || next === 'B' ? 'anchor' : 'atom';
        continue;
      }
      case '[': {
        const bracket = bracketToJs(chars, i);
        if (!bracket.ok) return fail(bracket.problem);
        out += bracket.source;
        i = bracket.end;
        previous = 'atom';
        continue;
      }
      case '(':
        if (chars[i + 1] !== undefined && '*+?{'.includes(chars[i + 1] as string)) {
          return fail(`${JSON.stringify(chars[i + 1])} right after "(" has nothing to repeat`);
        }
        depth++;
        out += '(';
        previous = 'open';
        continue;
      case ')':
        if (depth === 0) return fail('unmatched ")" (write \\) for a literal parenthesis)');
        depth--;
        out += ')';
        previous = 'atom';
        continue;
      case '|':
        out += '|';
        previous = 'alternation';
        continue;
      case '^':
      case '$':
        out += c;
        previous = 'anchor';
        continue;
      case '.':
        out += '.';
        previous = 'atom';
        continue;
      case '*':
      case '+':
      case '?': {
        const problem = quantify(c, c);
        if (problem) return problem;
        continue;
      }
      case '{': {
        const interval = readInterval(chars, i);
        if (!interval.ok) return fail(interval.problem);
        const problem = quantify(interval.source, chars.slice(i, interval.end + 1).join(''));
        if (problem) return problem;
        i = interval.end;
        continue;
      }
      default:
        out += escapeJsLiteral(c); // includes a lone ] or }: literal in POSIX, syntax errors in JS `u`
        previous = 'atom';
    }
  }
  if (depth > 0) return fail('unmatched "("');
  try {
    new RegExp(out, ERE_FLAGS);
  } catch (error) {
    return fail(`not a valid expression (${(error as Error).message})`);
  }
  return { ok: true, source: out };
}

function fail(problem: string): PatternTranslation {
  return { ok: false, problem };
}

/** `{m}`, `{m,}`, `{m,n}` and GNU `{,n}` starting at chars[start] === '{'. */
function readInterval(
  chars: readonly string[],
  start: number,
): { ok: true; source: string; end: number } | { ok: false; problem: string } {
  const close = chars.indexOf('}', start);
  const body = close === -1 ? '' : chars.slice(start + 1, close).join('');
  const match = /^(\d*)(,?)(\d*)$/.exec(body);
  if (
    close === -1 ||
    match === null ||
    (match[1] === '' && match[3] === '') ||
    (match[1] === '' && match[2] === '')
  ) {
    return {
      ok: false,
      problem: 'invalid interval: "{" must start {m}, {m,} or {m,n} (write \\{ for a literal brace)',
    };
  }
  const min = match[1] === '' ? 0 : Number(match[1]);
  const max = match[3] === '' ? undefined : Number(match[3]);
  if (min > DUP_MAX || (max !== undefined && max > DUP_MAX))
    return { ok: false, problem: `interval count above ${DUP_MAX}` };
  if (max !== undefined && max < min)
    return { ok: false, problem: `invalid interval {${body}}: maximum below minimum` };
  const source = match[2] === '' ? `{${min}}` : `{${min},${max ?? ''}}`;
  return { ok: true, source, end: close };
}
