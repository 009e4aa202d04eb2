// Progress on long pushes. Two kinds of line:
//  - as hosts finish, at most every `intervalMs`, when there are enough hosts for that to mean
//    something (`progress: 40/512 hosts done, 1 failed`);
//  - a heartbeat every `heartbeatMs` while a push is still running, whatever the host count, so that
//    a long first sync to a few nodes (a big tree, a big file) is not silent for minutes:
//    `still pushing (30 s): 41,200 of 722,400 changes applied, 0/8 hosts done`. The change count
//    comes from transports that report each change (ssh); pdcp's rounds only report hosts.
// Pure but for withHeartbeat(), the timer that calls tick(); the clock is injected.
import type { HostResult } from '../types.js';

export interface ProgressOptions {
  readonly total: number;
  readonly intervalMs: number;
  readonly minHosts: number;
  readonly heartbeatMs: number;
  readonly now: () => number;
  readonly write: (line: string) => void;
}

export interface Progress {
  /** A push to `hosts` hosts of `changes` changes each is starting. */
  planned(changes: number, hosts: number): void;
  hostDone(result: HostResult): void;
  /** One change applied on one host. */
  changeApplied(): void;
  /** Call now and then (a timer): writes the heartbeat when one is due. */
  tick(): void;
}

/** Runs `work` while a timer calls `progress.tick()` every second (a timer that keeps no process alive). */
export async function withHeartbeat<T>(progress: Progress, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => progress.tick(), 1000);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** 722400 → "722,400" (without ICU). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function createProgress(options: ProgressOptions): Progress {
  const startedAt = options.now();
  let done = 0;
  let failed = 0;
  let plannedChanges = 0;
  let applied = 0;
  let lastHostLineAt = startedAt;
  let lastLineAt = startedAt;
  const failedText = (): string => (failed > 0 ? `, ${failed} failed` : '');
  const write = (line: string): void => {
    lastLineAt = options.now();
    options.write(line);
  };
  return {
    planned(changes, hosts) {
      plannedChanges += changes * hosts;
    },
    hostDone(result) {
      done += 1;
      if (!result.ok) failed += 1;
      if (options.total < options.minHosts) return;
      const now = options.now();
      if (now - lastHostLineAt < options.intervalMs && done < options.total) return;
      lastHostLineAt = now;
      write(`progress: ${done}/${options.total} hosts done${failedText()}`);
    },
    changeApplied() {
      applied += 1;
    },
    tick() {
      const now = options.now();
      if (done >= options.total || now - lastLineAt < options.heartbeatMs) return;
      const seconds = Math.round((now - startedAt) / 1000);
      // retries apply some changes twice: never show more than planned
      const changes =
        applied > 0
          ? `${thousands(Math.min(applied, plannedChanges))} of ${thousands(plannedChanges)} changes applied, `
          : '';
      write(`still pushing (${seconds} s): ${changes}${done}/${options.total} hosts done${failedText()}`);
    },
  };
}
