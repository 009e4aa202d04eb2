// The inside of one pdsh bracket group: "01-10,15,20-22" → numeric ranges with their padding.
import { HostlistParseError } from '../errors.js';

/** One `N` or `N-M` element; `width` > 0 means zero-padded to that many digits (from "01"). */
export interface NumericRange {
  readonly low: number;
  readonly high: number;
  readonly width: number;
}

// 15 digits stay exact in a double; longer bracket numbers are typos, not host numbers
const MAX_DIGITS = 15;
const ELEMENT = /^(\d+)(?:-(\d+))?$/;

/** Parses bracket contents (without the brackets); `item` is the fragment named in errors. */
export function parseRangeList(contents: string, item: string): NumericRange[] {
  if (contents === '') throw new HostlistParseError(item, "empty '[]'");
  return contents.split(',').map((element) => parseElement(element, item));
}

/** How many numbers the ranges cover. */
export function rangeListSize(ranges: readonly NumericRange[]): number {
  let size = 0;
  for (const range of ranges) size += range.high - range.low + 1;
  return size;
}

/** The text of `value` as it appears in a host name of a range with `width`. */
export function formatRangeNumber(value: number, width: number): string {
  return width > 0 ? String(value).padStart(width, '0') : String(value);
}

function parseElement(element: string, item: string): NumericRange {
  if (element === '')
    throw new HostlistParseError(item, "empty element in '[...]' (two commas, or a comma at an end)");
  const match = ELEMENT.exec(element);
  if (match === null) {
    throw new HostlistParseError(item, `'${element}' in '[...]' is not a number N or a range N-M`);
  }
  const lowText = match[1] ?? '';
  const highText = match[2] ?? lowText;
  if (lowText.length > MAX_DIGITS || highText.length > MAX_DIGITS) {
    throw new HostlistParseError(item, `'${element}' has more than ${MAX_DIGITS} digits`);
  }
  const low = Number(lowText);
  const high = Number(highText);
  if (low > high) throw new HostlistParseError(item, `reversed range '${element}' (start after end)`);
  const width = paddedWidth(lowText);
  // "01-100" is fine (100 needs no padding), but "1-010" or "01-010" say two different widths
  if (paddedWidth(highText) > 0 && paddedWidth(highText) !== width) {
    throw new HostlistParseError(
      item,
      `padding mismatch in '${element}' (write both ends with the same number of digits)`,
    );
  }
  return { low, high, width };
}

/** "007" → 3; "7", "0", "10" → 0 (no leading zero: no padding). */
function paddedWidth(digits: string): number {
  return digits.length > 1 && digits.startsWith('0') ? digits.length : 0;
}
