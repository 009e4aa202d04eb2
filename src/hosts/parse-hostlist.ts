// pdsh hostlist expressions → host names (cf. pdsh src/common/hostlist.c, ClusterShell NodeSet):
//   node[01-32]  node[01-10,15,20-22]  gpu[1-4]-ib  rack[1-2]-n[01-02]  login1,login2  "a b c"
// Pure. Every error names the faulty fragment; the caller adds where it came from.
import { HostlistParseError } from '../errors.js';
import {
  invalidCharacterReason,
  invalidFirstCharacterReason,
  isHostNameCharacter,
  MAX_HOST_NAME_LENGTH,
} from './host-name.js';
import { formatRangeNumber, parseRangeList, rangeListSize, type NumericRange } from './parse-range-list.js';

/** More hosts than this from one expression (one line, one -w) is taken for a typo. */
export const MAX_HOSTS_PER_EXPRESSION = 100_000;

/** Where an expression came from, for error messages: a file and line, or an option (`-w`). */
export interface HostlistOrigin {
  readonly file: string;
  readonly line?: number;
}

type Segment = { readonly text: string } | { readonly ranges: readonly NumericRange[] };

interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Expands one expression (items separated by commas outside brackets and/or whitespace) into
 * host names, without duplicates, in first-seen order; bracket groups expand left to right with
 * the leftmost varying slowest. Throws HostlistParseError on any typo.
 */
export function expandHostlist(expression: string, origin?: HostlistOrigin): string[] {
  try {
    const hosts = new Set<string>();
    let expanded = 0;
    for (const item of splitItems(expression)) {
      const segments = parseItem(item);
      expanded += itemSize(segments);
      if (expanded > MAX_HOSTS_PER_EXPRESSION) {
        throw new HostlistParseError(
          item,
          `expands to more than ${MAX_HOSTS_PER_EXPRESSION} hosts (split the list over several lines)`,
        );
      }
      for (const host of expandSegments(segments)) hosts.add(host);
    }
    return [...hosts];
  } catch (error) {
    if (origin !== undefined && error instanceof HostlistParseError && error.file === undefined) {
      throw new HostlistParseError(error.part, error.reason, origin.file, origin.line);
    }
    throw error;
  }
}

/** Top-level items: commas inside brackets stay in their item; a comma needs an item on each side. */
function splitItems(expression: string): string[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < expression.length) {
    const character = expression.charAt(index);
    if (/\s/.test(character)) {
      index++;
    } else if (character === ',') {
      tokens.push({ text: ',', start: index, end: index + 1 });
      index++;
    } else {
      const start = index;
      let depth = 0;
      // whitespace always ends an item, so "node[1-2 node3" reports the unclosed bracket
      while (index < expression.length && !/\s/.test(expression.charAt(index))) {
        const c = expression.charAt(index);
        if (c === ',' && depth === 0) break;
        if (c === '[') depth++;
        else if (c === ']' && depth > 0) depth--;
        index++;
      }
      tokens.push({ text: expression.slice(start, index), start, end: index });
    }
  }
  if (tokens.length === 0) throw new HostlistParseError(expression, 'empty host list');
  tokens.forEach((token, i) => {
    if (token.text !== ',') return;
    const before = tokens[i - 1];
    const after = tokens[i + 1];
    if (before !== undefined && before.text !== ',' && after !== undefined && after.text !== ',') return;
    // name the commas with their neighbouring items: "node1,,node2", ",node1", "node1,"
    let last = i;
    while (tokens[last + 1]?.text === ',') last++;
    const from = before?.start ?? token.start;
    const to = tokens[last + 1]?.end ?? tokens[last]?.end ?? expression.length;
    throw new HostlistParseError(expression.slice(from, to), 'empty item in a comma list');
  });
  return tokens.filter((token) => token.text !== ',').map((token) => token.text);
}

/** One item → literal text and bracket groups, with every character checked. */
function parseItem(item: string): Segment[] {
  const firstReason = invalidFirstCharacterReason(item.charAt(0));
  if (firstReason !== undefined) throw new HostlistParseError(item, firstReason);
  const segments: Segment[] = [];
  let text = '';
  let index = 0;
  while (index < item.length) {
    const character = item.charAt(index);
    if (character === '[') {
      const close = item.indexOf(']', index + 1);
      const nested = item.indexOf('[', index + 1);
      if (close === -1) throw new HostlistParseError(item, "unclosed '['");
      if (nested !== -1 && nested < close)
        throw new HostlistParseError(item, "nested '[' (brackets cannot contain brackets)");
      if (text !== '') segments.push({ text });
      text = '';
      segments.push({ ranges: parseRangeList(item.slice(index + 1, close), item) });
      index = close + 1;
    } else {
      if (!isHostNameCharacter(character))
        throw new HostlistParseError(item, invalidCharacterReason(character));
      text += character;
      index++;
    }
  }
  if (text !== '') segments.push({ text });
  if (longestName(segments) > MAX_HOST_NAME_LENGTH) {
    throw new HostlistParseError(item, `host name longer than ${MAX_HOST_NAME_LENGTH} characters`);
  }
  return segments;
}

/** Hosts the item stands for, before deduplication; computed without expanding. */
function itemSize(segments: readonly Segment[]): number {
  let size = 1;
  for (const segment of segments) if ('ranges' in segment) size *= rangeListSize(segment.ranges);
  return size;
}

function longestName(segments: readonly Segment[]): number {
  let length = 0;
  for (const segment of segments) {
    if ('text' in segment) length += segment.text.length;
    else
      length += segment.ranges.reduce(
        (longest, r) => Math.max(longest, formatRangeNumber(r.high, r.width).length),
        0,
      );
  }
  return length;
}

/** Cartesian product in order: "rack[1-2]-n[1-2]" → rack1-n1, rack1-n2, rack2-n1, rack2-n2. */
function expandSegments(segments: readonly Segment[]): string[] {
  let names = [''];
  for (const segment of segments) {
    if ('text' in segment) {
      names = names.map((name) => name + segment.text);
      continue;
    }
    const numbers: string[] = [];
    for (const range of segment.ranges) {
      for (let value = range.low; value <= range.high; value++)
        numbers.push(formatRangeNumber(value, range.width));
    }
    const next: string[] = [];
    for (const name of names) for (const number of numbers) next.push(name + number);
    names = next;
  }
  return names;
}
