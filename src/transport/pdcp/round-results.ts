// What each round of a push means for each host (pure). pdcp and pdsh exit codes are not trusted:
// round 1 fails exactly the hosts its stderr names; round 2 succeeds exactly the hosts that
// printed apply.sh's OK line.
import type { Batch, HostFailure } from '../../types.js';
import { applyFailure, clip, parseApplyOutput, type ApplyResult } from '../shared/parse-apply-output.js';
import { collectFailures, type CollectedFailure } from './collect-failures.js';
import type { ToolRun } from './run-tool.js';

type Resolve = (label: string) => string | undefined;

/** Round 1 (pdcp): the hosts that did not get the stage, and why. */
export function stageRoundFailures(
  hosts: readonly string[],
  run: ToolRun,
  resolveHost: Resolve,
): Map<string, CollectedFailure> {
  const { failures } = collectFailures(run.stderr, resolveHost);
  const result = new Map<string, CollectedFailure>();
  for (const host of hosts) {
    // stopped (SIGINT/SIGTERM): what pdcp printed as it was killed ("write: Broken pipe") is the
    // stop's doing, not the node's
    const failure = run.canceled
      ? wholeRunFailure(run, 'pdcp')
      : (failures.get(host) ?? wholeRunFailure(run, 'pdcp'));
    if (failure !== undefined) result.set(host, failure);
  }
  return result;
}

export interface ApplyRoundResults {
  /** host → undefined (ok) or its failure; one entry per host of the round. */
  readonly results: ReadonlyMap<string, HostFailure | undefined>;
  /** Hosts that were reached but never ran the script to its end, so their stage is still there. */
  readonly staleStage: readonly string[];
}

/** Round 2 (pdsh sh apply.sh): ok only with the OK line. */
export function applyRoundResults(
  hosts: readonly string[],
  run: ToolRun,
  batch: Batch,
  resolveHost: Resolve,
): ApplyRoundResults {
  const outcomes = new Map<string, ApplyResult>();
  for (const [label, outcome] of parseApplyOutput(run.stdout, batch.id)) {
    const host = resolveHost(label);
    if (host !== undefined) outcomes.set(host, outcome);
  }
  const { failures, context } = collectFailures(run.stderr, resolveHost);
  const results = new Map<string, HostFailure | undefined>();
  const staleStage: string[] = [];
  for (const host of hosts) {
    const outcome = outcomes.get(host);
    if (outcome?.ok === true) {
      results.set(host, undefined);
      continue;
    }
    if (outcome !== undefined) {
      results.set(host, applyFailure(outcome, batch));
      continue;
    }
    const failure = failures.get(host);
    if (failure !== undefined) {
      if (failure.partial && failure.class !== 'timeout') staleStage.push(host);
      results.set(host, withoutPartial(failure));
      continue;
    }
    const whole = wholeRunFailure(run, 'pdsh');
    if (whole !== undefined) {
      results.set(host, withoutPartial(whole));
      continue;
    }
    staleStage.push(host);
    const said = [
      ...(context.get(host) ?? []),
      ...(run.exitCode !== 0 ? [`pdsh exited with ${run.exitCode}: ${run.stderr}`] : []),
    ].join('; ');
    results.set(host, {
      class: 'other',
      code: 'no-result',
      message: clip(`apply.sh printed no result${said ? `: ${said}` : ''}`, 600),
    });
  }
  return { results, staleStage };
}

/** A failure of the whole pdcp/pdsh run, for hosts it did not name. */
function wholeRunFailure(run: ToolRun, tool: string): CollectedFailure | undefined {
  if (run.canceled) return { class: 'other', code: 'aborted', message: 'aborted', partial: true };
  if (run.timedOut)
    return { class: 'timeout', message: `${tool} did not finish in time and was stopped`, partial: true };
  if (run.startError !== undefined)
    return { class: 'other', code: `${tool}-failed`, message: clip(run.startError, 600), partial: false };
  if (run.exitCode !== 0 && tool === 'pdcp') {
    const how =
      run.exitCode !== undefined
        ? `exited with ${run.exitCode}`
        : `was killed by ${run.signal ?? 'a signal'}`;
    // a local error (bad option, unreadable source), or pdcp's client gave up half-way (it exits 1
    // on "failed to exit subdir properly"): no host is known to hold the whole stage
    return {
      class: 'other',
      code: 'pdcp-failed',
      message: clip(`pdcp ${how}: ${run.stderr}`, 600),
      partial: true,
    };
  }
  return undefined;
}

function withoutPartial(failure: CollectedFailure): HostFailure {
  return {
    class: failure.class,
    message: failure.message,
    ...(failure.code !== undefined ? { code: failure.code } : {}),
  };
}
