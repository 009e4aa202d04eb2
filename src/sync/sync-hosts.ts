// One sync round: bring a set of hosts to the wanted snapshot. Plans per group of hosts that share
// a ledger state (most hosts share one), stages each group's content once, records the intent in
// the ledger before pushing (kill -9 safe), pushes with per-host retry, records the outcome.
// Used by --once, by the daemon's initial sync and by every live batch.
import { pushWithRetry, sleep } from '../fanout/push-with-retry.js';
import type { RetryPolicy } from '../fanout/retry-policy.js';
import type { Ledger } from '../ledger/ledger.js';
import { applyChanges } from '../plan/apply-changes.js';
import { planHosts, type HostPlan } from '../plan/plan-hosts.js';
import { disposeBatch, stageBatch } from '../stage/stage-batch.js';
import type { Change, HostFailure, HostReport, HostResult, Snapshot, Transport } from '../types.js';

export interface Transports {
  readonly primary: Transport;
  readonly fallback?: Transport;
}

export interface SyncHostsDeps {
  readonly watchDir: string;
  readonly destDir: string;
  readonly noDelete: boolean;
  readonly dryRun: boolean;
  /**
   * Hosts with no ledger record: let the transport leave alone what the node already has as wanted
   * (Batch.quickCheck); false = --ignore-times, send everything.
   */
  readonly quickCheck: boolean;
  readonly ledger: Ledger;
  readonly transports: Transports;
  readonly stageRoot: string;
  readonly fanout: number;
  readonly retries: number;
  readonly policy: RetryPolicy;
  readonly signal?: AbortSignal;
  readonly log: (message: string) => void;
  readonly onHostDone?: (result: HostResult) => void;
  readonly onChangeApplied?: (host: string) => void;
  /** Hook for the dry-run printer: every group's plan. */
  readonly onPlan?: (plan: HostPlan) => void;
}

export interface SyncRound {
  readonly hosts: HostReport[];
  /** Every change planned for any host in this round. */
  readonly changes: Change[];
}

export async function syncHosts(
  deps: SyncHostsDeps,
  hosts: readonly string[],
  want: Snapshot,
): Promise<SyncRound> {
  const plans = await planHosts(deps.ledger, hosts, want, { noDelete: deps.noDelete });
  const reports: HostReport[] = [];
  const changes: Change[] = [];
  for (const plan of plans) {
    deps.onPlan?.(plan);
    for (const change of plan.changes) changes.push(change); // push(...) overflows the stack at ~100k
    if (plan.changes.length === 0) {
      for (const host of plan.hosts)
        reports.push({ host, status: 'unchanged', attempts: 0, sent: 0, deleted: 0 });
      continue;
    }
    if (deps.dryRun) {
      const { sent, deleted } = countOps(plan.changes);
      for (const host of plan.hosts) reports.push({ host, status: 'planned', attempts: 0, sent, deleted });
      continue;
    }
    if (deps.signal?.aborted === true) {
      // stopped before this group's push: say so for each of its hosts (nothing was sent to them)
      for (const host of plan.hosts) reports.push(notStarted(host));
      continue;
    }
    for (const report of await pushPlan(deps, plan)) reports.push(report);
  }
  return { hosts: reports, changes };
}

async function pushPlan(deps: SyncHostsDeps, plan: HostPlan): Promise<HostReport[]> {
  // the first wave of hosts can be connecting while the content is staged
  deps.transports.primary.prewarm?.(plan.hosts.slice(0, Math.max(1, deps.fanout)));
  const staged = await stageBatch(deps.watchDir, plan.changes, deps.stageRoot, deps.destDir);
  const { dropped, warnings } = staged;
  // first contact: the node may have all of it already (adoption, a lost state dir)
  const batch =
    plan.baseManifestId === null && deps.quickCheck ? { ...staged.batch, quickCheck: true } : staged.batch;
  try {
    for (const warning of warnings) deps.log(`warning: ${warning}`);
    if (dropped.length > 0)
      deps.log(`${dropped.length} path(s) vanished before staging; the next scan sees them`);
    if (batch.changes.length === 0) {
      return plan.hosts.map((host) => ({ host, status: 'unchanged', attempts: 0, sent: 0, deleted: 0 }));
    }
    // intent first: if we die during the push, these paths are resent to these hosts next time
    await deps.ledger.markInFlight(
      plan.hosts,
      batch.changes.map((c) => c.path),
    );
    const outcomes = await pushWithRetry(batch, plan.hosts, {
      primary: deps.transports.primary,
      ...(deps.transports.fallback !== undefined ? { fallback: deps.transports.fallback } : {}),
      retries: deps.retries,
      policy: deps.policy,
      pushOptions: {
        fanout: deps.fanout,
        ...(deps.signal !== undefined ? { signal: deps.signal } : {}),
        ...(deps.onHostDone !== undefined ? { onHostDone: deps.onHostDone } : {}),
        ...(deps.onChangeApplied !== undefined ? { onChangeApplied: deps.onChangeApplied } : {}),
      },
      sleep,
      random: Math.random,
      log: deps.log,
    });
    const after = applyChanges(await deps.ledger.manifest(plan.baseManifestId), batch.changes);
    const { sent, deleted } = countOps(batch.changes);
    const now = Date.now();
    const reports: HostReport[] = [];
    await deps.ledger.recordResults(
      plan.hosts.map((host) => {
        const outcome = outcomes.get(host);
        if (outcome?.ok === true) {
          const inPlace = outcome.inPlace ?? 0;
          reports.push({
            host,
            status: inPlace === batch.changes.length ? 'unchanged' : 'ok',
            attempts: outcome.attempts,
            sent: sent - inPlace,
            deleted,
            ...(inPlace > 0 ? { inPlace } : {}),
            transport: outcome.transport,
          });
          return { host, ok: true as const, manifest: after };
        }
        const error: HostFailure = outcome?.error ?? {
          class: 'other',
          message: 'no result from the transport',
          code: 'aborted',
        };
        reports.push({
          host,
          status: 'failed',
          attempts: outcome?.attempts ?? 0,
          sent: 0,
          deleted: 0,
          error,
          ...(outcome !== undefined ? { transport: outcome.transport } : {}),
        });
        return { host, ok: false as const, error, at: now };
      }),
    );
    return reports;
  } finally {
    await disposeBatch(staged.batch);
  }
}

function notStarted(host: string): HostReport {
  const error: HostFailure = {
    class: 'other',
    code: 'aborted',
    message: 'stopped before the push to this host started',
  };
  return { host, status: 'failed', attempts: 0, sent: 0, deleted: 0, error };
}

function countOps(changes: readonly Change[]): { sent: number; deleted: number } {
  const deleted = changes.filter((c) => c.op === 'delete').length;
  return { sent: changes.length - deleted, deleted };
}
