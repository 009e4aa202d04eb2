// Progress on long pushes: a line at most every `intervalMs`, only when there are enough hosts for
// the wait to be noticeable. Clock injected for tests.
import type { HostResult } from '../types.js';

export interface ProgressOptions {
  readonly total: number;
  readonly intervalMs: number;
  readonly minHosts: number;
  readonly now: () => number;
  readonly write: (line: string) => void;
}

export function createProgress(options: ProgressOptions): (result: HostResult) => void {
  let done = 0;
  let failed = 0;
  let lastAt = options.now();
  return (result) => {
    done += 1;
    if (!result.ok) failed += 1;
    if (options.total < options.minHosts) return;
    const now = options.now();
    if (now - lastAt < options.intervalMs && done < options.total) return;
    lastAt = now;
    options.write(`progress: ${done}/${options.total} hosts done${failed > 0 ? `, ${failed} failed` : ''}`);
  };
}
