// Runs the real CLI binary (dist/src/cli/launch.cjs, as installed) as a child process, as cron or an admin would.
import { spawn } from 'node:child_process';
import { cliPath } from './lab.js';

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 180_000,
): Promise<CliRun> {
  return startCli(args, env, timeoutMs).done;
}

export interface StartedCli {
  /** Send a signal, as an admin's Ctrl-C (SIGINT) or timeout(1) (SIGTERM) would. */
  kill(signal: NodeJS.Signals): void;
  readonly done: Promise<CliRun>;
}

export function startCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 180_000,
): StartedCli {
  const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<CliRun>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? (signal !== null ? 128 : -1), stdout, stderr });
    });
  });
  return { kill: (signal) => void child.kill(signal), done };
}
