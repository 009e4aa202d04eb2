// Small PathMatchers for the tree tests (the real rules engine lives in src/rules/).
import type { PathMatcher, RuleDecision } from '../rules/types.js';

const PERMIT: RuleDecision = { sync: true, walk: true, monitor: true };
const DENY: RuleDecision = { sync: false, walk: false, monitor: false };
const AUTO: RuleDecision = { sync: false, walk: true, monitor: true, autoWalk: true };

export const permitAll: PathMatcher = { decide: () => PERMIT };

/**
 * A rules-like matcher: directories named `skip*` are neither synced nor walked; files ending in
 * `.tmp` are excluded; directories named `a*` are walked only automatically (entries only when
 * something below is included); everything else is permitted.
 */
export const sampleRules: PathMatcher = {
  decide(path, type) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (type === 'dir') {
      if (name.startsWith('skip')) return DENY;
      return name.startsWith('a') ? AUTO : PERMIT;
    }
    return name.endsWith('.tmp') ? DENY : PERMIT;
  },
};
