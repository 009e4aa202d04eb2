// Messages between the scanner and its stat workers. Names and paths travel NUL-joined (NUL is the
// one byte a name cannot hold): one string per job clones much faster than many small strings.
import type { HashOutcome } from './hash-file.js';

export type StatJobMessage =
  | {
      readonly id: number;
      readonly kind: 'lstat';
      readonly dirs: readonly string[];
      readonly counts: readonly number[];
      readonly names: string;
    }
  | { readonly id: number; readonly kind: 'hash'; readonly paths: string };

export type StatReplyMessage =
  | {
      readonly id: number;
      readonly kind: 'lstat';
      readonly fields: Float64Array;
      readonly targets: readonly (readonly [number, string])[];
      readonly errors: readonly (readonly [number, string])[];
    }
  | { readonly id: number; readonly kind: 'hash'; readonly outcomes: readonly HashOutcome[] };

export function joinNames(names: readonly string[]): string {
  return names.join('\0');
}

export function splitNames(joined: string): string[] {
  return joined === '' ? [] : joined.split('\0');
}
