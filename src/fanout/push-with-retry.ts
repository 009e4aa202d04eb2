// Push one batch to a set of hosts, retrying only the hosts that failed with a transient error,
// with exponential backoff + jitter. Healthy hosts are never re-sent. A host whose node lacks pdcp
// moves to the fallback transport (auto mode) instead of being retried.
import type { Batch, HostResult, PushOptions, Transport, TransportName } from '../types.js';
import { isRetryable, retryDelay, type RetryPolicy } from './retry-policy.js';

export interface HostOutcome extends HostResult {
  readonly attempts: number;
  readonly transport: TransportName;
}

export interface PushWithRetryDeps {
  readonly primary: Transport;
  /**
   * Auto mode only: serves hosts the primary cannot serve at all, whatever we retry (a node
   * without pdcp, an sshd without the SFTP subsystem or its extensions).
   */
  readonly fallback?: Transport;
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly policy: RetryPolicy;
  readonly pushOptions: PushOptions;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
  /** Progress and retry notes for humans. */
  readonly log?: (message: string) => void;
}

const FALLBACK_CODES: ReadonlySet<string> = new Set(['remote-pdcp-missing', 'sftp-unsupported']);

export async function pushWithRetry(
  batch: Batch,
  hosts: readonly string[],
  deps: PushWithRetryDeps,
): Promise<Map<string, HostOutcome>> {
  const outcomes = new Map<string, HostOutcome>();
  const attempts = new Map<string, number>();
  const record = (result: HostResult, transport: Transport): void => {
    const n = (attempts.get(result.host) ?? 0) + 1;
    attempts.set(result.host, n);
    outcomes.set(result.host, { ...result, attempts: n, transport: transport.name });
  };

  const stopped = (): boolean => deps.pushOptions.signal?.aborted === true;
  let pending: readonly string[] = hosts;
  for (let round = 0; pending.length > 0; round++) {
    if (round > 0) {
      if (stopped()) break; // SIGINT/SIGTERM: no retry
      const delay = retryDelay(round, deps.policy, deps.random);
      deps.log?.(
        `retry ${round}/${deps.retries} for ${pending.length} host(s) in ${(delay / 1000).toFixed(1)} s`,
      );
      await deps.sleep(delay, deps.pushOptions.signal);
      if (stopped()) break;
    }
    const results = await deps.primary.push(batch, pending, deps.pushOptions);
    const toFallback: string[] = [];
    const toRetry: string[] = [];
    for (const result of results) {
      record(result, deps.primary);
      const error = result.error;
      if (result.ok || error === undefined) continue;
      if (error.code !== undefined && FALLBACK_CODES.has(error.code) && deps.fallback !== undefined)
        toFallback.push(result.host);
      else if (round < deps.retries && isRetryable(error.class, error.code)) toRetry.push(result.host);
    }
    if (toFallback.length > 0 && deps.fallback !== undefined && !stopped()) {
      // stopped: no fallback
      deps.log?.(
        `${toFallback.length} host(s) cannot use ${deps.primary.name}: falling back to ${deps.fallback.name}`,
      );
      for (const result of await deps.fallback.push(batch, toFallback, deps.pushOptions)) {
        record(result, deps.fallback);
      }
    }
    pending = toRetry;
  }
  return outcomes;
}

/** Abortable sleep for production use. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
