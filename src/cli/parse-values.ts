// Strict parsers for option values: a typo in a number is an error (exit 2), never a NaN that
// silently turns into "no timeout".
import { UsageError } from '../errors.js';

export function parseSeconds(option: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`${option}: expected a number of seconds >= 0, got ${JSON.stringify(value)}`);
  }
  return Math.round(n * 1000);
}

export function parseCount(
  option: string,
  value: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new UsageError(
      `${option}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

export function parseBytes(option: string, value: string): number {
  const m = /^(\d+)([KMGT]i?B?|B)?$/i.exec(value.trim());
  if (m?.[1] === undefined)
    throw new UsageError(`${option}: expected a size like 134217728 or 128M, got ${JSON.stringify(value)}`);
  const unit = (m[2] ?? '').toUpperCase().replace(/I?B$/, '');
  const factor = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[unit] ?? 1;
  return Number(m[1]) * factor;
}
