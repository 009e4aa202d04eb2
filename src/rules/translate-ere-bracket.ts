// POSIX bracket expressions (`[abc]`, `[^/]`, `[]a]`, `[a-z]`, `[[:alnum:]]`, `[[.-.]]`, `[[=e=]]`)
// → a JavaScript character class. In POSIX a backslash inside brackets is an ordinary character
// and `]` first in the list is literal; JS needs both escaped. Classes use their C-locale (ASCII)
// members, which is what clsync's regcomp sees when run from a service with LANG unset.

/** C-locale members of each POSIX class, as JS class fragments. */
export const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e',
  space: ' \\t\\n\\r\\f\\v',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
};

type BracketItem = { kind: 'char'; char: string } | { kind: 'class'; members: string };

export type BracketTranslation =
  | { readonly ok: true; readonly source: string; readonly end: number }
  | { readonly ok: false; readonly problem: string };

/** Inside a JS `u` class these need a backslash; every other character stands for itself. */
function escapeClassChar(char: string): string {
  return '\\]['.includes(char) || char === '^' || char === '-' ? `\\${char}` : char;
}

/** Translate the bracket expression opening at chars[open] === '['; `end` is the index of its `]`. */
export function bracketToJs(chars: readonly string[], open: number): BracketTranslation {
  let i = open + 1;
  const negated = chars[i] === '^';
  if (negated) i++;
  let out = '';
  let first = true;
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c === ']' && !first) return { ok: true, source: `[${negated ? '^' : ''}${out}]`, end: i };
    first = false;
    const start = readItem(chars, i);
    if (!start.ok) return start;
    i = start.next;
    // a range: item '-' item, unless the '-' is the last character before ']'
    if (chars[i] === '-' && chars[i + 1] !== undefined && chars[i + 1] !== ']') {
      const end = readItem(chars, i + 1);
      if (!end.ok) return end;
      if (start.item.kind !== 'char' || end.item.kind !== 'char') {
        return { ok: false, problem: 'a character class cannot be a range endpoint' };
      }
      if ((start.item.char.codePointAt(0) as number) > (end.item.char.codePointAt(0) as number)) {
        return {
          ok: false,
          problem: `invalid range "${start.item.char}-${end.item.char}" (start after end)`,
        };
      }
      out += `${escapeClassChar(start.item.char)}-${escapeClassChar(end.item.char)}`;
      i = end.next;
      continue;
    }
    out += start.item.kind === 'char' ? escapeClassChar(start.item.char) : start.item.members;
  }
  return { ok: false, problem: 'unterminated bracket expression "[" (write \\[ for a literal bracket)' };
}

function readItem(
  chars: readonly string[],
  i: number,
): { ok: true; item: BracketItem; next: number } | { ok: false; problem: string } {
  const c = chars[i] as string;
  const kind = chars[i + 1];
  if (c === '[' && (kind === ':' || kind === '.' || kind === '=')) {
    const close = findClose(chars, i + 2, kind);
    if (close === -1) return { ok: false, problem: `unterminated "[${kind}" in a bracket expression` };
    const name = chars.slice(i + 2, close).join('');
    const next = close + 2;
    if (kind === ':') {
      const members = POSIX_CLASSES[name];
      if (members === undefined) return { ok: false, problem: `unknown character class "[:${name}:]"` };
      return { ok: true, item: { kind: 'class', members }, next };
    }
    // collating symbol [.x.] / equivalence class [=x=]: only single characters exist in the C locale
    if (Array.from(name).length !== 1) {
      return {
        ok: false,
        problem: `"[${kind}${name}${kind}]" is not a single character (only those are supported)`,
      };
    }
    return { ok: true, item: { kind: 'char', char: name }, next };
  }
  return { ok: true, item: { kind: 'char', char: c }, next: i + 1 };
}

/** Index of the `kind` in the closing `kind]` pair, searching from `from`. */
function findClose(chars: readonly string[], from: number, kind: string): number {
  for (let j = from; j < chars.length - 1; j++) {
    if (chars[j] === kind && chars[j + 1] === ']') return j;
  }
  return -1;
}
