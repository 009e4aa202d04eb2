// A clsync-hpc daemon under test: the real binary in the background, its stderr collected, and
// helpers to wait for a log line or for a condition on the nodes.
import { spawn, type ChildProcess } from 'node:child_process';
import { cliPath } from './lab.js';

export interface DaemonHandle {
  readonly child: ChildProcess;
  readonly pid: number;
  log(): string;
  /** Resolves when the log matches `pattern` (counting only text after `fromIndex`). */
  waitForLog(pattern: RegExp, timeoutMs?: number, fromIndex?: number): Promise<void>;
  /** Resolves with the exit status; rejects (and SIGKILLs it) if it has not exited after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  exited(): Promise<number | null>;
}

export function startDaemon(args: readonly string[], env: NodeJS.ProcessEnv = process.env): DaemonHandle {
  const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (text += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    pid: child.pid ?? -1,
    log: () => text,
    waitForLog: (pattern, timeoutMs = 60_000, fromIndex = 0) =>
      waitFor(
        () => pattern.test(text.slice(fromIndex)),
        timeoutMs,
        () => `log never matched ${pattern}:\n${text}`,
      ),
    stop: async (signal = 'SIGTERM', timeoutMs = 30_000) => {
      child.kill(signal);
      // a daemon that does not stop is a failure to see, with its log, not a test run that hangs
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the daemon did not exit within ${timeoutMs} ms of ${signal}:\n${text}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exit, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    exited: () => exit,
  };
}

/** Polls `condition` every 20 ms until true; rejects with `describe()` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((r) => setTimeout(r, 20));
  }
}
