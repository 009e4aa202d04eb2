// lstat (+ readlink for symlinks) of many entries, synchronously: the body of a stat worker job and
// of the in-thread path for small trees. Sync calls are the fast ones in Node (see bench/scan.ts).
import { lstatSync, readlinkSync } from 'node:fs';
import { decodeName, UNDECODABLE_TARGET } from './name-bytes.js';
import {
  errorText,
  FIELDS_PER_STAT,
  isVanishedError,
  type LstatBatch,
  packStat,
  StatKind,
} from './raw-stat.js';

/**
 * Entries grouped by directory: `counts[i]` names of `names` belong to `dirs[i]` (absolute). The
 * caller never builds a million absolute paths; each is made here, used once and dropped.
 */
export interface LstatJob {
  readonly dirs: readonly string[];
  readonly counts: readonly number[];
  readonly names: readonly string[];
}

const NO_THROW = { throwIfNoEntry: false } as const;

export function lstatJob(job: LstatJob): LstatBatch {
  const fields = new Float64Array(job.names.length * FIELDS_PER_STAT);
  const targets = new Map<number, string>();
  const errors = new Map<number, string>();
  let i = 0;
  for (let d = 0; d < job.dirs.length; d++) {
    const dir = job.dirs[d] as string;
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    for (let end = i + (job.counts[d] as number); i < end; i++) {
      const path = prefix + (job.names[i] as string);
      try {
        const st = lstatSync(path, NO_THROW);
        if (st === undefined) continue; // fields[o] stays 0 = Gone
        if (packStat(fields, i, st) !== StatKind.Symlink) continue;
        const target = decodeName(readlinkSync(path, { encoding: 'buffer' }));
        if (target === undefined) {
          fields[i * FIELDS_PER_STAT] = StatKind.Failed;
          errors.set(i, UNDECODABLE_TARGET);
        } else {
          targets.set(i, target);
        }
      } catch (error) {
        const vanished = isVanishedError(error);
        fields[i * FIELDS_PER_STAT] = vanished ? StatKind.Gone : StatKind.Failed;
        if (!vanished) errors.set(i, errorText(error));
      }
    }
  }
  return { fields, targets, errors };
}
