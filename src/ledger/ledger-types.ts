// What the ledger knows about each host, and what the orchestrator tells it after a push.
import type { HostFailure, Snapshot } from '../types.js';

export interface HostLedgerState {
  /** The manifest (Snapshot) the host is known to have; null = never synced, nothing known. */
  readonly manifestId: string | null;
  /** Paths a push attempted but nobody confirmed: their state on the host is unknown. Sorted. */
  readonly dirty: readonly string[];
  /** Consecutive failed pushes (0 after a success). */
  readonly failures: number;
  readonly lastError?: HostFailure;
  /** When the current run of failures began (ms since epoch). */
  readonly downSince?: number;
  readonly lastOkAt?: number;
  readonly lastAttemptAt?: number;
}

export type LedgerResult =
  | {
      readonly host: string;
      readonly ok: true;
      /** What the host has now (applyChanges(base manifest, changes sent)). */
      readonly manifest: Snapshot;
      /** Default: now. */
      readonly at?: number;
    }
  | { readonly host: string; readonly ok: false; readonly error: HostFailure; readonly at: number };

export const UNKNOWN_HOST: HostLedgerState = Object.freeze({
  manifestId: null,
  dirty: Object.freeze([]),
  failures: 0,
});
