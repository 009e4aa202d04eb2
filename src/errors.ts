// Typed errors with stable codes (cf. got's errors.ts). The CLI maps them to exit codes in one
// place (src/cli/exit-status.ts): input errors → 2, everything unexpected → 3.
// Per-host failures are not thrown: they travel as HostResult values.

export class ClsyncError extends Error {
  override name = 'ClsyncError';
  readonly code: string = 'ERR_CLSYNC';
}

/** Bad invocation or bad input: nothing was sent. Exit status 2. */
export class UsageError extends ClsyncError {
  override name = 'UsageError';
  override readonly code: string = 'ERR_USAGE';
}

/** A rules file line that cannot be parsed; `file:line: message` (cf. NodeSetParseError.part). */
export class RulesParseError extends UsageError {
  override name = 'RulesParseError';
  override readonly code = 'ERR_RULES_PARSE';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly part: string,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}: ${JSON.stringify(part)}`);
  }
}

/**
 * A host list expression that cannot be parsed; `file:line: ` when it came from a file, `file: `
 * when `file` names an option without lines (`-w`, `-x`).
 */
export class HostlistParseError extends UsageError {
  override name = 'HostlistParseError';
  override readonly code = 'ERR_HOSTLIST_PARSE';
  constructor(
    readonly part: string,
    readonly reason: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    const where = file === undefined ? '' : line === undefined ? `${file}: ` : `${file}:${line}: `;
    super(`${where}${reason}: ${JSON.stringify(part)}`);
  }
}

/** The whole run cannot start with this transport (binary missing, bad ssh config…). */
export class TransportError extends ClsyncError {
  override name = 'TransportError';
  override readonly code: string = 'ERR_TRANSPORT';
}

/** The state directory cannot be read or written. */
export class LedgerError extends ClsyncError {
  override name = 'LedgerError';
  override readonly code = 'ERR_LEDGER';
}
