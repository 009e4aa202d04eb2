// Every way an ssh2/SFTP push to one host can fail → one HostFailure (class, words, code). Pure.
// ssh2 tags its errors with err.level (lib/client.js): client-socket, client-dns, client-timeout,
// client-authentication, handshake (kex; also "Host denied (verification failed)" when our
// hostVerifier refuses), protocol, agent. SFTP requests fail with a numeric status code.
import type { HostFailure } from '../../types.js';
import {
  ContentMismatchError,
  HostAbortedError,
  HostKeyRefusedError,
  SFTP_STATUS,
  SftpStatusError,
  SshConnectionLostError,
  SshTimeoutError,
  SshUnsupportedConfigError,
} from './ssh-errors.js';

const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
  EPIPE: 'Broken pipe',
  ECONNABORTED: 'Connection aborted',
  EHOSTDOWN: 'Host is down',
  ENOTFOUND: 'Could not resolve hostname',
  EAI_AGAIN: 'Temporary failure in name resolution',
  ETIMEDOUT: 'Connection timed out',
};

const STATUS_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(SFTP_STATUS).map(([name, n]) => [n, name.toLowerCase().replaceAll('_', '-')]),
);

export function classifySshError(err: unknown): HostFailure {
  if (err instanceof HostAbortedError) return { class: 'other', message: err.message, code: 'aborted' };
  if (err instanceof HostKeyRefusedError)
    return { class: 'hostkey', message: err.message, code: `hostkey-${err.verdict}` };
  if (err instanceof SshTimeoutError)
    return { class: 'timeout', message: err.message, code: `timeout-${err.phase}` };
  if (err instanceof ContentMismatchError)
    return { class: 'validation', message: err.message, code: 'content-mismatch' };
  if (err instanceof SshConnectionLostError)
    return { class: 'unreachable', message: err.message, code: 'connection-lost' };
  if (err instanceof SftpStatusError) return classifySftpStatus(err);
  if (err instanceof SshUnsupportedConfigError)
    return { class: 'other', message: err.message, code: 'ssh-config-unsupported' };
  if (!(err instanceof Error)) return { class: 'other', message: String(err), code: 'ssh-error' };

  const level = stringProp(err, 'level');
  const code = stringProp(err, 'code');
  if (err.message.includes('Host denied (verification failed)')) {
    return { class: 'hostkey', message: 'host key verification failed', code: 'hostkey-refused' };
  }
  if (level === 'client-authentication') {
    return { class: 'auth', message: `authentication failed: ${err.message}`, code: 'auth-failed' };
  }
  if (level === 'client-timeout') return { class: 'timeout', message: err.message, code: 'timeout-ssh' };
  if (level === 'client-dns') return { class: 'unreachable', message: err.message, code: 'dns' };
  if (code !== undefined && code in SOCKET_ERRORS) return classifySocketError(err, code);
  if (level === 'client-socket')
    return { class: 'unreachable', message: err.message, code: code ?? 'socket' };
  if (level === 'protocol' || err.message === 'No response from server') {
    return { class: 'unreachable', message: err.message, code: 'connection-lost' };
  }
  if (level === 'handshake')
    return { class: 'other', message: `ssh handshake failed: ${err.message}`, code: 'ssh-handshake' };
  if (/authentication/i.test(err.message))
    return { class: 'auth', message: err.message, code: 'auth-failed' };
  return { class: 'other', message: err.message, code: 'ssh-error' };
}

function classifySocketError(err: Error, code: string): HostFailure {
  const what = SOCKET_ERRORS[code] ?? code;
  const address = stringProp(err, 'address') ?? stringProp(err, 'hostname');
  const port = (err as { port?: unknown }).port;
  const where =
    address === undefined
      ? ''
      : `connect to host ${address}${typeof port === 'number' ? ` port ${port}` : ''}: `;
  const message = `${where}${what}`;
  if (code === 'ETIMEDOUT') return { class: 'timeout', message, code: 'timeout-connect' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { class: 'unreachable', message, code: 'dns' };
  return { class: 'unreachable', message, code: code.toLowerCase() };
}

function classifySftpStatus(err: SftpStatusError): HostFailure {
  if (err.status === SFTP_STATUS.NO_CONNECTION || err.status === SFTP_STATUS.CONNECTION_LOST) {
    return { class: 'unreachable', message: err.message, code: 'connection-lost' };
  }
  if (err.status === SFTP_STATUS.OP_UNSUPPORTED) {
    return { class: 'other', message: err.message, code: 'sftp-unsupported' };
  }
  const code = err.diagnosis?.errno ?? `sftp-${STATUS_NAMES[err.status] ?? err.status}`;
  return { class: 'remote-io', message: err.message, code };
}

function stringProp(err: Error, key: string): string | undefined {
  const v = (err as unknown as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}
