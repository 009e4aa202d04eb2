// Errors raised inside the ssh transport. Each carries the facts classifySshError() needs to turn it
// into a HostFailure (class + the node's own words); none of them escape push().
import { TransportError } from '../../errors.js';

/** A bad line in an OpenSSH client config: the run cannot start (exit 2), like ssh itself refuses. */
export class SshConfigError extends TransportError {
  override name = 'SshConfigError';
  override readonly code = 'ERR_SSH_CONFIG';
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02, what OpenSSH speaks). */
export const SFTP_STATUS = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

/** Our diagnosis of a generic SFTP FAILURE: the strerror text and errno name, when we could tell. */
export interface FailureDiagnosis {
  readonly message: string;
  readonly errno: string;
}

/**
 * One SFTP request answered with a non-OK status. OpenSSH's sftp-server folds most errno values into
 * FAILURE ("Failure"); `diagnosis` says what it really was when a follow-up request could tell.
 */
export class SftpStatusError extends Error {
  override name = 'SftpStatusError';
  constructor(
    readonly op: string,
    readonly path: string,
    readonly status: number,
    readonly serverMessage: string,
    readonly diagnosis?: FailureDiagnosis,
  ) {
    super(`${op} ${path}: ${diagnosis?.message ?? serverMessage}`);
  }

  withDiagnosis(diagnosis: FailureDiagnosis): SftpStatusError {
    return new SftpStatusError(this.op, this.path, this.status, this.serverMessage, diagnosis);
  }

  /** The same failure told about another path (the target rather than its temp name). */
  atPath(path: string): SftpStatusError {
    return new SftpStatusError(this.op, path, this.status, this.serverMessage, this.diagnosis);
  }
}

/** Why a host key was refused: we know more than ssh2's "Host denied (verification failed)". */
export class HostKeyRefusedError extends Error {
  override name = 'HostKeyRefusedError';
  readonly level = 'client-hostkey';
  constructor(
    readonly verdict: 'unknown' | 'changed' | 'revoked',
    message: string,
  ) {
    super(message);
  }
}

/** No progress where progress was due: connect/banner/auth, an SFTP answer, or the host's whole budget. */
export class SshTimeoutError extends Error {
  override name = 'SshTimeoutError';
  constructor(
    readonly phase: 'connect' | 'banner' | 'auth' | 'sftp' | 'stall' | 'operation',
    message: string,
  ) {
    super(message);
  }
}

/** The ssh config routes this host in a way we cannot follow (ProxyJump…): connecting directly would be wrong. */
export class SshUnsupportedConfigError extends Error {
  override name = 'SshUnsupportedConfigError';
}

/** The staged local copy does not have the hash the batch promises. */
export class ContentMismatchError extends Error {
  override name = 'ContentMismatchError';
}

/** The push was aborted (options.signal) before this host finished. */
export class HostAbortedError extends Error {
  override name = 'HostAbortedError';
  constructor() {
    super('aborted before this host finished');
  }
}

/** The connection or the SFTP channel went away while `op` on `path` waited for its answer. */
export class SshConnectionLostError extends Error {
  override name = 'SshConnectionLostError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
