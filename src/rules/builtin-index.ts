// Fast lookup of the built-in excludes for one name: exact names and dot-suffixes through maps,
// the remaining shapes through small anchored regexes. One combined regex of every pattern was
// ~25x slower (each `.*suffix$` alternative rescans the name).
import type { DefaultExclude } from './default-excludes.js';

export class BuiltinIndex {
  private readonly byName = new Map<string, DefaultExclude>();
  private readonly bySuffix = new Map<string, DefaultExclude>();
  private readonly byRegex: (readonly [RegExp, DefaultExclude])[] = [];

  /** Earlier entries win where two could claim the same name (first match, like the rules). */
  constructor(readonly excludes: readonly DefaultExclude[]) {
    for (const exclude of excludes) {
      const test = exclude.test;
      if (test.kind === 'name' && !this.byName.has(test.name)) this.byName.set(test.name, exclude);
      else if (test.kind === 'suffix' && !this.bySuffix.has(test.suffix))
        this.bySuffix.set(test.suffix, exclude);
      else if (test.kind === 'regex') this.byRegex.push([new RegExp(test.source), exclude]);
    }
  }

  /** The built-in that excludes an entry with this name, if any. Exact names are checked first. */
  lookup(name: string): DefaultExclude | undefined {
    if (name === '') return undefined;
    const exact = this.byName.get(name);
    if (exact !== undefined) return exact;
    const dot = name.lastIndexOf('.');
    if (dot !== -1) {
      const bySuffix = this.bySuffix.get(name.slice(dot));
      if (bySuffix !== undefined) return bySuffix;
    }
    for (const [regex, exclude] of this.byRegex) if (regex.test(name)) return exclude;
    return undefined;
  }
}
