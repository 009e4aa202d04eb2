// --once: SIGINT (Ctrl-C) or SIGTERM (timeout(1), systemd, a cron wrapper) stops the run cleanly
// instead of killing it where it stands, which left a half-written temp file in /etc on every
// node and a copy of the batch in the state dir, for good. Stopped, no new host or change starts,
// what is in flight finishes or is abandoned, the nodes' temp files and the local stage are
// removed, and the ledger records which hosts did not get the batch (they get it next run). The
// exit status is then 128 + the signal's number, as a shell reports a killed command. A second
// signal exits at once.
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type StopSignal = (typeof SIGNALS)[number];

export interface StopOnSignal {
  /** Aborted by the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** 128 + the number of the signal that stopped the run; undefined if none did. */
  exitStatus(): number | undefined;
  /** Back to Node's default handling (the signal kills the process). */
  dispose(): void;
}

export function stopOnSignal(onStop: (signal: StopSignal) => void): StopOnSignal {
  const controller = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const handle = (signal: StopSignal): void => {
    if (stoppedBy !== undefined) process.exit(statusFor(signal)); // the user insists
    stoppedBy = signal;
    onStop(signal);
    controller.abort();
  };
  for (const s of SIGNALS) process.on(s, handle);
  return {
    signal: controller.signal,
    exitStatus: () => (stoppedBy === undefined ? undefined : statusFor(stoppedBy)),
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handle);
    },
  };
}

function statusFor(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}
