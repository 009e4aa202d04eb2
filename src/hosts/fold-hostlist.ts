// Host names → the shortest pdsh hostlist we can give: login1,node[01-03,07],rack[1-2]-n[01-02].
// Pure. Hosts fold on one number at a time, last number first (gpu1-ib, gpu2-ib → gpu[1-2]-ib);
// then earlier numbers fold where everything after them is identical, which gives the cartesian
// form back. Zero padding is kept and different widths fold separately, as in ClusterShell.
import { compareHostNames } from './compare-host-names.js';
import { formatRangeNumber } from './parse-range-list.js';

interface Slot {
  readonly start: number;
  readonly end: number;
  readonly bracket: boolean;
}

interface Group {
  readonly prefix: string;
  readonly suffix: string;
  readonly width: number;
  readonly values: number[];
}

const noWidths: ReadonlySet<number> = new Set();

// numbers longer than this would lose precision as doubles: such hosts stay unfolded
const MAX_FOLD_DIGITS = 15;

/** `expandHostlist(foldHostlist(hosts))` gives the same set; the order is sorted, not the input's. */
export function foldHostlist(hosts: readonly string[]): string {
  let terms = [...new Set(hosts)];
  let passes = 0;
  for (const term of terms) passes = Math.max(passes, numberSlots(term).length);
  for (let fromEnd = 1; fromEnd <= passes; fromEnd++) terms = foldOnSlot(terms, fromEnd);
  return terms.sort(compareTerms).join(',');
}

/** One pass: terms that differ only in the `fromEnd`-th number slot (counted from the end) merge. */
function foldOnSlot(terms: readonly string[], fromEnd: number): string[] {
  const unfoldable: string[] = [];
  const candidates: { prefix: string; digits: string; suffix: string }[] = [];
  for (const term of terms) {
    const slots = numberSlots(term);
    const slot = slots[slots.length - fromEnd];
    if (slot === undefined || slot.bracket || slot.end - slot.start > MAX_FOLD_DIGITS) {
      unfoldable.push(term);
      continue;
    }
    candidates.push({
      prefix: term.slice(0, slot.start),
      digits: term.slice(slot.start, slot.end),
      suffix: term.slice(slot.end),
    });
  }
  // widths written with a leading zero in each prefix/suffix family ("007" → 3)
  const paddedWidths = new Map<string, Set<number>>();
  for (const { prefix, digits, suffix } of candidates) {
    if (!isPadded(digits)) continue;
    const family = `${prefix}\u0000${suffix}`;
    const widths = paddedWidths.get(family) ?? new Set<number>();
    widths.add(digits.length);
    paddedWidths.set(family, widths);
  }
  const groups = new Map<string, Group>();
  for (const { prefix, digits, suffix } of candidates) {
    const width = isPadded(digits)
      ? digits.length
      : widthForUnpadded(digits, paddedWidths.get(`${prefix}\u0000${suffix}`) ?? noWidths);
    const key = `${prefix}\u0000${suffix}\u0000${width}`;
    const group = groups.get(key) ?? { prefix, suffix, width, values: [] };
    group.values.push(Number(digits));
    groups.set(key, group);
  }
  return [...unfoldable, ...[...groups.values()].map(renderGroup)];
}

/**
 * "10" prints the same with width 0 or 2, so it joins the widest padded family it fits
 * (node01…node09 + node10 → node[01-10]); "7" next to "05" does not ("7" ≠ "07").
 */
function widthForUnpadded(digits: string, paddedWidths: ReadonlySet<number>): number {
  let width = 0;
  for (const candidate of paddedWidths)
    if (candidate <= digits.length && candidate > width) width = candidate;
  return width;
}

function renderGroup(group: Group): string {
  const values = [...new Set(group.values)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === (values[j] ?? 0) + 1) j++;
    const low = formatRangeNumber(values[i] ?? 0, group.width);
    ranges.push(j > i ? `${low}-${formatRangeNumber(values[j] ?? 0, group.width)}` : low);
    i = j + 1;
  }
  const numbers = values.length === 1 ? (ranges[0] ?? '') : `[${ranges.join(',')}]`;
  return `${group.prefix}${numbers}${group.suffix}`;
}

/** Digit runs and bracket groups of a term, in order; digits inside brackets are part of the group. */
function numberSlots(term: string): Slot[] {
  const slots: Slot[] = [];
  const pattern = /\[[^\]]*\]|\d+/g;
  for (let match = pattern.exec(term); match !== null; match = pattern.exec(term)) {
    slots.push({ start: match.index, end: match.index + match[0].length, bracket: match[0].startsWith('[') });
  }
  return slots;
}

// "rack[1-10]-n1" sorts by its first number, before "rack11-n1"
function compareTerms(a: string, b: string): number {
  return compareHostNames(a.replaceAll('[', ''), b.replaceAll('[', '')) || compareHostNames(a, b);
}

function isPadded(digits: string): boolean {
  return digits.length > 1 && digits.startsWith('0');
}
