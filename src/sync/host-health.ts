// Per-host up/down state for the daemon: a failed host leaves the stream of live batches and is
// retried on its own with exponential backoff + jitter, while healthy hosts keep getting batches at
// full speed. State changes are reported once (down with the reason, up with how long it was down),
// never once per retry. Pure: the clock and randomness come from the caller.
import { retryDelay, type RetryPolicy } from '../fanout/retry-policy.js';
import type { HostFailure } from '../types.js';

interface DownHost {
  readonly since: number;
  readonly failures: number;
  readonly nextAttemptAt: number;
  readonly error: HostFailure;
}

export type HealthEvent =
  | { readonly type: 'host-down'; readonly host: string; readonly error: HostFailure }
  | {
      readonly type: 'host-up';
      readonly host: string;
      readonly downForMs: number;
      readonly failures: number;
      /** Why its last attempt failed. */
      readonly lastError: HostFailure;
    };

export class HostHealth {
  private readonly down = new Map<string, DownHost>();

  constructor(
    private readonly policy: RetryPolicy,
    private readonly random: () => number,
  ) {}

  recordFailure(host: string, error: HostFailure, now: number): HealthEvent | undefined {
    const previous = this.down.get(host);
    this.markDown(host, error, now, now + retryDelay(this.failuresAfter(host), this.policy, this.random));
    return previous === undefined ? { type: 'host-down', host, error } : undefined;
  }

  /**
   * The same failure for a whole round of hosts, not of their doing (the state dir is full): they
   * back off together, so that they are retried in one round again, not one by one (one jitter
   * draw for all, the longest failure count among them).
   */
  recordRoundFailure(hosts: readonly string[], error: HostFailure, now: number): void {
    let failures = 1;
    for (const host of hosts) failures = Math.max(failures, this.failuresAfter(host));
    const nextAttemptAt = now + retryDelay(failures, this.policy, this.random);
    for (const host of hosts) this.markDown(host, error, now, nextAttemptAt);
  }

  /** Consecutive failures of `host` once one more is counted. */
  private failuresAfter(host: string): number {
    return (this.down.get(host)?.failures ?? 0) + 1;
  }

  private markDown(host: string, error: HostFailure, now: number, nextAttemptAt: number): void {
    const since = this.down.get(host)?.since ?? now;
    this.down.set(host, { since, failures: this.failuresAfter(host), error, nextAttemptAt });
  }

  recordSuccess(host: string, now: number): HealthEvent | undefined {
    const previous = this.down.get(host);
    if (previous === undefined) return undefined;
    this.down.delete(host);
    return {
      type: 'host-up',
      host,
      downForMs: now - previous.since,
      failures: previous.failures,
      lastError: previous.error,
    };
  }

  isDown(host: string): boolean {
    return this.down.has(host);
  }

  /** Hosts that take part in live batches. */
  healthy(hosts: readonly string[]): string[] {
    return hosts.filter((h) => !this.down.has(h));
  }

  /** Down hosts whose next attempt is due. */
  due(now: number): string[] {
    return [...this.down].filter(([, d]) => d.nextAttemptAt <= now).map(([h]) => h);
  }

  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const d of this.down.values())
      next = next === undefined ? d.nextAttemptAt : Math.min(next, d.nextAttemptAt);
    return next;
  }

  /** Hosts removed from the list (SIGHUP) are forgotten. */
  retain(hosts: readonly string[]): void {
    const keep = new Set(hosts);
    for (const host of this.down.keys()) if (!keep.has(host)) this.down.delete(host);
  }

  downCount(): number {
    return this.down.size;
  }
}
