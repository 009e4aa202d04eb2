// Run pdcp or pdsh and keep everything it said; never throws for a failed run.
import { execa } from 'execa';

export interface ToolRun {
  readonly exitCode?: number;
  /** The signal that ended it, when one did. */
  readonly signal?: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly canceled: boolean;
  /** Why the process could not be started at all (ENOENT…). */
  readonly startError?: string;
}

export interface RunToolOptions {
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export async function runTool(
  file: string,
  args: readonly string[],
  options: RunToolOptions,
): Promise<ToolRun> {
  const run = await execa(file, args, {
    reject: false,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    timeout: options.timeoutMs,
    // with -b, SIGINT makes pdsh signal its ssh children (they run in their own sessions)
    killSignal: 'SIGINT',
    forceKillAfterDelay: 5_000,
    maxBuffer: 512 * 1024 * 1024,
    ...(options.signal !== undefined ? { cancelSignal: options.signal } : {}),
  });
  const started = run.exitCode !== undefined || run.signal !== undefined;
  return {
    ...(run.exitCode !== undefined ? { exitCode: run.exitCode } : {}),
    ...(run.signal !== undefined ? { signal: run.signal } : {}),
    stdout: String(run.stdout ?? ''),
    stderr: String(run.stderr ?? ''),
    timedOut: run.timedOut,
    canceled: run.isCanceled,
    ...(!started && !run.timedOut && !run.isCanceled ? { startError: run.shortMessage } : {}),
  };
}
