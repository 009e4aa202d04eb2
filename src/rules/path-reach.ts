// Where a pattern can match, judged from its text: the basis of auto-walk. Conservative by
// design: when in doubt the answer is "anywhere", which only costs an extra directory walk.
import type { PathReach } from './rule.js';

const ANYWHERE: PathReach = { kind: 'anywhere' };

/** Could a pattern with this reach match some path strictly below `dir` ('' = the root)? */
export function canReachBelow(reach: PathReach, dir: string): boolean {
  return reachesBelow(reach, dir === '' ? '' : `${dir}/`);
}

/** canReachBelow with the directory already spelled as the prefix of what lies below it ('' or 'dir/'). */
export function reachesBelow(reach: PathReach, below: string): boolean {
  switch (reach.kind) {
    case 'anywhere':
      return true;
    case 'prefix':
      // the unknown rest may continue the literal into `dir/…`, or the literal already lies inside
      return reach.literal.startsWith(below) || below.startsWith(reach.literal);
    case 'exact':
      return reach.literal.length > below.length && reach.literal.startsWith(below);
  }
}

/**
 * Reach of a POSIX ERE: only `^` followed by literal characters gives a prefix (and `$` right
 * after them an exact path). Any `|` makes it "anywhere" (an alternative may be unanchored).
 */
export function ereReach(ere: string): PathReach {
  const chars = Array.from(ere);
  if (chars[0] !== '^' || chars.includes('|')) return ANYWHERE;
  let literal = '';
  let i = 1;
  while (i < chars.length) {
    const c = chars[i] as string;
    let char: string;
    let width: number;
    if (c === '\\') {
      const next = chars[i + 1];
      if (next === undefined || /^[A-Za-z0-9<>`']$/.test(next)) break; // classes, anchors, back-references
      char = next;
      width = 2;
    } else if (c === '$' && i === chars.length - 1) {
      return { kind: 'exact', literal };
    } else if ('.[()*+?{^$'.includes(c)) {
      break;
    } else {
      char = c;
      width = 1;
    }
    const after = chars[i + width];
    if (after === '*' || after === '?' || after === '{') break; // the character may be absent
    literal += char;
    if (after === '+') break; // present at least once, then unknown
    i += width;
  }
  return { kind: 'prefix', literal };
}
