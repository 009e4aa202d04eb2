// Human rendering of a dry-run plan: per group of hosts that would get the same changes.
import { printablePath } from '../cli/log.js';
import type { Change } from '../types.js';

export interface PlanGroupView {
  /** Folded host list, e.g. node[01-04,07]. */
  readonly hosts: string;
  readonly hostCount: number;
  readonly neverSynced: boolean;
  readonly changes: readonly Change[];
}

const OP_WORD: Record<Change['op'], string> = {
  write: 'write ',
  mkdir: 'mkdir ',
  symlink: 'link  ',
  delete: 'delete',
  meta: 'meta  ',
};

export function formatPlan(groups: readonly PlanGroupView[], destDir: string): string[] {
  const lines: string[] = [];
  for (const group of groups) {
    const who = `${group.hosts} (${group.hostCount} host${group.hostCount === 1 ? '' : 's'}${group.neverSynced ? ', never synced' : ''})`;
    if (group.changes.length === 0) {
      lines.push(`${who}: up to date`);
      continue;
    }
    lines.push(
      `${who}: ${group.changes.length} change${group.changes.length === 1 ? '' : 's'} under ${destDir}`,
    );
    for (const change of group.changes) {
      const target =
        change.op === 'symlink' && change.entry?.target !== undefined
          ? ` -> ${printablePath(change.entry.target)}`
          : '';
      const mode =
        change.entry !== undefined && change.op !== 'symlink'
          ? `  ${formatMode(change.entry.mode)} ${change.entry.uid}:${change.entry.gid}`
          : '';
      lines.push(`  ${OP_WORD[change.op]} ${printablePath(change.path)}${target}${mode}`);
    }
  }
  return lines;
}

function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
