// Messages between the scanner and its stat workers. Names and paths travel NUL-joined (NUL is the
// one byte a name cannot hold): one string per job clones much faster than many small strings.
import type { HashOutcome } from './hash-file.js';

export type StatJobMessage =
  /** readdir `dir`; the worker keeps the names (under `id`) for a later lstat-listed job. */
  | { readonly id: number; readonly kind: 'list'; readonly dir: string; readonly relDir: string }
  /** lstat the entries `indices` of listing `listId`, then forget that listing. */
  | {
      readonly id: number;
      readonly kind: 'lstat-listed';
      readonly listId: number;
      readonly indices: Uint32Array;
    }
  | { readonly id: number; readonly kind: 'forget'; readonly listId: number }
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
      readonly kind: 'list';
      /** Tree paths of the entries (relDir/name), NUL-joined, sorted. */
      readonly paths: string;
      readonly kinds: Uint8Array;
      readonly undecodable: number;
      readonly problem?: string;
    }
  | {
      readonly id: number;
      readonly kind: 'lstat';
      readonly fields: Float64Array;
      readonly targets: readonly (readonly [number, string])[];
      readonly errors: readonly (readonly [number, string])[];
    }
  | { readonly id: number; readonly kind: 'hash'; readonly outcomes: readonly HashOutcome[] }
  | { readonly id: number; readonly kind: 'done' };

export function joinNames(names: readonly string[]): string {
  return names.join('\0');
}

export function splitNames(joined: string): string[] {
  return joined === '' ? [] : joined.split('\0');
}

/** Tree path of `name` in directory `relDir` ('' = root). */
export function relPathsOf(relDir: string, names: readonly string[]): string {
  if (names.length === 0) return '';
  return relDir === '' ? joinNames(names) : `${relDir}/${names.join(`\0${relDir}/`)}`;
}
