// OpenSSH host patterns, shared by ssh_config `Host` lines and known_hosts host fields
// (cf. OpenSSH match.c: match_pattern, match_hostname). Pure.

/** `*` matches any run of characters, `?` exactly one; everything else literally; case-insensitive. */
export function matchHostPattern(name: string, pattern: string): boolean {
  const s = name.toLowerCase();
  const p = pattern.toLowerCase();
  // iterative glob with single-star backtracking: linear enough for host names
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    const pc = p[pi];
    if (pc === '*') {
      starP = pi++;
      starS = si;
    } else if (pc !== undefined && (pc === '?' || pc === s[si])) {
      pi++;
      si++;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * A list of patterns, each maybe negated with `!`: matches when some positive pattern matches and no
 * negated one does (a negated match wins, as in OpenSSH). Several names (e.g. host and ip) may be
 * offered; any of them counts.
 */
export function matchPatternList(names: readonly string[], patterns: readonly string[]): boolean {
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!names.some((name) => matchHostPattern(name, pattern))) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}
