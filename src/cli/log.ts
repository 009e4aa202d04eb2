// Human output goes to stderr (stdout is reserved for --report - and dry-run plans), one line each,
// prefixed so that cron mail and journal lines say who spoke.
import type { Verbosity } from '../config/sync-config.js';

export interface Logger {
  info(message: string): void;
  verbose(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createLogger(verbosity: Verbosity, write: (line: string) => void, label?: string): Logger {
  const prefix = label !== undefined && label !== '' ? `clsync-hpc[${label}]: ` : 'clsync-hpc: ';
  return {
    info: (m) => verbosity !== 'quiet' && write(`${prefix}${m}\n`),
    verbose: (m) => verbosity === 'verbose' && write(`${prefix}${m}\n`),
    warn: (m) => write(`${prefix}warning: ${m}\n`),
    error: (m) => write(`${prefix}error: ${m}\n`),
  };
}

/** Paths may hold any byte but NUL: show control characters escaped so one path stays one line. */
export function printablePath(path: string): string {
  return /[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path;
}
