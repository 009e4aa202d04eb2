// The JSON report of a run (--report FILE|-): one schema for real runs and dry runs, so scripts
// read one format. Pure: the CLI writes it.
import { compareHostNames } from '../hosts/compare-host-names.js';
import type { Change, HostReport, Op, RunReport } from '../types.js';

export interface RunReportInput {
  readonly dryRun: boolean;
  readonly label: string;
  readonly transport: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** Every change planned for any host (deduplicated by path + op). */
  readonly changes: readonly Change[];
  readonly hosts: readonly HostReport[];
}

export function buildRunReport(input: RunReportInput): RunReport {
  const seen = new Set<string>();
  const changes: { path: string; op: Op }[] = [];
  for (const change of input.changes) {
    const key = `${change.op}\u0000${change.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    changes.push({ path: change.path, op: change.op });
  }
  return {
    ok: input.hosts.every((h) => h.status !== 'failed'),
    dryRun: input.dryRun,
    label: input.label,
    transport: input.transport,
    startedAt: input.startedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    changes,
    // the order of every other host listing (node2 < node10); localeCompare with options would
    // build an ICU collator per comparison (~18 ms for 8 hosts in a cron run)
    hosts: [...input.hosts].sort((a, b) => compareHostNames(a.host, b.host)),
  };
}
