// The one place where errors become exit statuses (cf. ClusterShell CLI/Error.py).
//   0  every targeted host has the whole change
//   1  at least one host failed (the others got it)
//   2  bad invocation or input (options, rules, host list, missing watch dir…): nothing was sent
//   3  internal error
// 130/143 when stopped by SIGINT/SIGTERM before finishing.
import { CommanderError } from 'commander';
import { ClsyncError, LedgerError, TransportError, UsageError } from '../errors.js';
import { WatchError } from '../watch/watch-error.js';

export const EXIT_OK = 0;
export const EXIT_HOSTS_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

export interface ExitDecision {
  readonly status: number;
  /** What to print on stderr; undefined when commander already printed it. */
  readonly message?: string;
}

export function exitForError(error: unknown, verbose: boolean): ExitDecision {
  if (error instanceof CommanderError) {
    // help and version are answers, not errors; commander already wrote them
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
      return { status: EXIT_OK };
    if (error.code === 'commander.help') return { status: EXIT_OK };
    return { status: EXIT_USAGE };
  }
  // a transport or watcher that cannot start here fails before any node is contacted
  if (error instanceof UsageError || error instanceof TransportError || error instanceof WatchError) {
    return { status: EXIT_USAGE, message: error.message };
  }
  if (error instanceof LedgerError) return { status: EXIT_INTERNAL, message: `state: ${error.message}` };
  if (error instanceof ClsyncError) return { status: EXIT_INTERNAL, message: error.message };
  const detail =
    error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
  return {
    status: EXIT_INTERNAL,
    message: `internal error: ${detail}${verbose ? '' : ' (run with -v for details)'}`,
  };
}
