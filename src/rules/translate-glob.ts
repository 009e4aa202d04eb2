// rsync filter globs (`- *.swp`, `+ /passwd`, `- tmp/`, `+ slurm/***`) → JavaScript RegExp source,
// using micromatch for the wildcard core. rsync meaning:
//  - no `/` (apart from a trailing one): the name, in any directory
//  - leading `/`: anchored at the watch dir; other patterns with `/` match the end of the path
//  - trailing `/`: directories only
//  - `*` and `?` stop at `/`, `**` crosses it, `dir/***` is dir and everything below
// micromatch alone differs from rsync in places, handled here: `dir/**` would also match `dir`
// itself, `( ) | + @ ! { }` would be regex or extglob syntax, `foo**` would act as `foo*`.
import micromatch from 'micromatch';
import type { PathReach } from './rule.js';

export type GlobTranslation =
  | {
      readonly ok: true;
      readonly source: string;
      readonly anchored: boolean;
      readonly dirOnly: boolean;
      readonly reach: PathReach;
    }
  | { readonly ok: false; readonly problem: string };

/** rsync-like micromatch: dot files match, and braces, extglobs and `!` negation are off. */
const MICROMATCH_OPTIONS = { dot: true, nobrace: true, noext: true, nonegate: true, posix: true } as const;

export const GLOB_FLAGS = '';

type Token =
  | { kind: 'literal'; char: string }
  | { kind: 'stars'; count: number }
  | { kind: 'any' } // ?
  | { kind: 'bracket'; text: string }
  | { kind: 'slash' };

export function translateGlob(glob: string): GlobTranslation {
  let body = glob;
  const dirOnly = body.endsWith('/');
  if (dirOnly) body = body.slice(0, -1);
  const anchored = body.startsWith('/');
  if (anchored) body = body.slice(1);
  if (body === '') return fail('empty glob (a bare "/" names nothing)');
  if (body.startsWith('/') || body.endsWith('/') || body.includes('//'))
    return fail('empty path segment ("//")');

  const tokens = tokenize(body);
  if (!Array.isArray(tokens)) return fail(tokens.problem);
  const starProblem = checkStars(tokens);
  if (starProblem !== undefined) return fail(starProblem);

  const last = tokens[tokens.length - 1];
  const tail = last?.kind === 'stars' && last.count >= 2 && tokens.length > 1 ? last.count : 0;
  const base = tail === 0 ? tokens : tokens.slice(0, -2); // without "/**" or "/***"
  const baseGlob = base.map(toMicromatch).join('');
  // `dir/**` must not match `dir` itself (rsync): "dir/*" ∪ "dir/*/**" is exactly "strictly below"
  const variants =
    tail === 3
      ? [baseGlob, `${baseGlob}/*`, `${baseGlob}/*/**`]
      : tail === 2
        ? [`${baseGlob}/*`, `${baseGlob}/*/**`]
        : [baseGlob];
  const sources: string[] = [];
  for (const variant of variants) {
    const pattern = anchored || variant === '**' || variant.startsWith('**/') ? variant : `**/${variant}`;
    const source = micromatch.makeRe(pattern, MICROMATCH_OPTIONS).source;
    if (source === '$^') return fail('invalid bracket expression (bad range or class)'); // micromatch's "cannot compile"
    sources.push(source);
  }
  // the watch dir itself ('') is not a name rsync would filter: no glob matches it (micromatch's `**` would)
  const source = `(?=[\\s\\S])(?:${sources.length === 1 ? (sources[0] as string) : sources.map((s) => `(?:${s})`).join('|')})`;
  try {
    new RegExp(source, GLOB_FLAGS);
  } catch (error) {
    return fail(`cannot be compiled (${(error as Error).message})`);
  }
  return {
    ok: true,
    source,
    anchored,
    dirOnly,
    reach: anchored ? globReach(base, tail) : { kind: 'anywhere' },
  };
}

function fail(problem: string): GlobTranslation {
  return { ok: false, problem };
}

function tokenize(body: string): Token[] | { problem: string } {
  const chars = Array.from(body);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '\\') {
      const next = chars[i + 1];
      if (next === undefined) return { problem: 'trailing backslash' };
      tokens.push({ kind: 'literal', char: next });
      i++;
    } else if (c === '*') {
      const previous = tokens[tokens.length - 1];
      if (previous?.kind === 'stars') previous.count++;
      else tokens.push({ kind: 'stars', count: 1 });
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
    } else if (c === '/') {
      tokens.push({ kind: 'slash' });
    } else if (c === '[') {
      const end = bracketEnd(chars, i);
      if (end === -1) return { problem: 'unterminated "[" (write \\[ for a literal bracket)' };
      tokens.push({ kind: 'bracket', text: chars.slice(i, end + 1).join('') });
      i = end;
    } else {
      tokens.push({ kind: 'literal', char: c });
    }
  }
  return tokens;
}

/** Index of the `]` closing the bracket at chars[open] (`[!]x]`, `[[:alpha:]]`, `[\]]`), or -1. */
function bracketEnd(chars: readonly string[], open: number): number {
  let i = open + 1;
  if (chars[i] === '!' || chars[i] === '^') i++;
  if (chars[i] === ']') i++;
  for (; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\') i++;
    else if (c === '[' && chars[i + 1] === ':') {
      const close = chars.indexOf(']', i + 2);
      if (close === -1) return -1;
      i = close;
    } else if (c === ']') return i;
  }
  return -1;
}

/** `**` only as a whole segment, `***` only as a final `/***` segment (their rsync meanings). */
function checkStars(tokens: readonly Token[]): string | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind !== 'stars' || token.count === 1) continue;
    const wholeSegment =
      (i === 0 || tokens[i - 1]?.kind === 'slash') &&
      (i === tokens.length - 1 || tokens[i + 1]?.kind === 'slash');
    if (token.count > 3) return `${'*'.repeat(token.count)} is not a glob operator`;
    if (token.count === 3 && !(wholeSegment && i === tokens.length - 1 && i > 0)) {
      return '"***" only works as a final "dir/***" (dir and everything below); use "**" elsewhere';
    }
    if (token.count === 2 && !wholeSegment)
      return '"**" must be a whole path segment ("a/**", "**/b", "a/**/b")';
  }
  return undefined;
}

/** micromatch spelling of a token: everything that is not a wildcard is escaped (rsync has no regex or extglob syntax). */
function toMicromatch(token: Token): string {
  switch (token.kind) {
    case 'literal':
      return /^[A-Za-z0-9_]$/.test(token.char) ? token.char : `\\${token.char}`;
    case 'stars':
      return '*'.repeat(token.count);
    case 'any':
      return '?';
    case 'bracket':
      return token.text;
    case 'slash':
      return '/';
  }
}

/**
 * Anchored globs: the literal text before the first wildcard; every match starts with it. For
 * `dir/**` that is `dir/` (strictly below); `dir/***` also matches `dir` itself, so just `dir`.
 */
function globReach(base: readonly Token[], tail: number): PathReach {
  let literal = '';
  for (const token of base) {
    if (token.kind === 'literal') literal += token.char;
    else if (token.kind === 'slash') literal += '/';
    else return { kind: 'prefix', literal };
  }
  if (tail === 2) return { kind: 'prefix', literal: `${literal}/` };
  return tail === 3 ? { kind: 'prefix', literal } : { kind: 'exact', literal };
}
