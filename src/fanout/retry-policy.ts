// Retry as data (cf. got's calculate-retry-delay.ts): which failures are worth another try and
// how long to wait. Pure: randomness is passed in so tests are exact.
import type { HostErrorClass } from '../types.js';

export interface RetryPolicy {
  /** First delay, before jitter. */
  readonly baseMs: number;
  /** Upper bound of any delay (watch mode: a few minutes; one-shot: seconds). */
  readonly capMs: number;
  /** Fraction of the delay drawn at random, so that many hosts do not retry in lock-step. */
  readonly jitter: number;
}

export const ONE_SHOT_RETRY: RetryPolicy = { baseMs: 1000, capMs: 8000, jitter: 0.3 };
export const DAEMON_RETRY: RetryPolicy = { baseMs: 2000, capMs: 300_000, jitter: 0.3 };

// A wrong key, a refused key or a content check that failed will fail the same way again: retrying
// them only hides the problem (and hammers the node); the admin must act.
const RETRYABLE: ReadonlySet<HostErrorClass> = new Set(['unreachable', 'timeout', 'remote-io', 'other']);

const PERMANENT_CODES: ReadonlySet<string> = new Set([
  'remote-pdcp-missing',
  'aborted',
  'ssh-config-unsupported',
  'sftp-unsupported',
  // a full or read-only disk on a node does not heal within seconds: resending the batch there
  // only costs time (the next cron run, or the daemon's backoff, tries again later)
  'ENOSPC',
  'EROFS',
]);

export function isRetryable(errorClass: HostErrorClass, code?: string): boolean {
  // a node without pdcp stays without pdcp (auto mode falls back to ssh instead); an ssh config
  // we cannot follow or an sftp server without the extensions will not change by retrying
  if (code !== undefined && PERMANENT_CODES.has(code)) return false;
  return RETRYABLE.has(errorClass);
}

/** Delay before retry number `attempt` (1 = the first retry): base·2^(attempt-1), capped, with jitter. */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exponential = policy.baseMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.capMs, exponential);
  const spread = capped * policy.jitter;
  return Math.round(capped - spread + random() * 2 * spread);
}
