// Open one ssh2 connection and its SFTP channel, within the connect timeout, with our host key
// check, and report failures in ssh's words: which phase timed out (TCP connect, banner exchange,
// authentication), which keys were refused, why the host key was not trusted.
import { connect as tcpConnect, type Socket } from 'node:net';
import ssh2, { type Algorithms, type ClientErrorExtensions, type SFTPWrapper } from 'ssh2';
import { verifyHostKey, type KnownHostsStore } from './host-key-policy.js';
import {
  HostAbortedError,
  HostKeyRefusedError,
  SshConnectionLostError,
  SshTimeoutError,
} from './ssh-errors.js';
import { SftpSession } from './sftp-session.js';
import type { SshEndpoint } from './ssh-endpoint.js';

export interface ConnectOptions {
  readonly knownHosts: KnownHostsStore;
  /** ssh-level keepalive (OpenSSH ServerAliveInterval/CountMax): a dead kept connection is noticed. */
  readonly keepaliveIntervalMs: number;
  readonly keepaliveCountMax: number;
  /** SFTP answers overdue for this long fail the session (see SftpSession). */
  readonly stallTimeoutMs: number;
  readonly algorithms?: Algorithms;
  readonly signal?: AbortSignal;
}

export interface SshConnection {
  readonly endpoint: SshEndpoint;
  readonly session: SftpSession;
  /** Set once the connection is unusable (closed, errored, stalled). */
  readonly dead: boolean;
  onClose(listener: () => void): void;
  close(): void;
}

type Phase = 'connect' | 'banner' | 'auth' | 'sftp';

export function openSshConnection(ep: SshEndpoint, options: ConnectOptions): Promise<SshConnection> {
  const client = new ssh2.Client();
  const where = `${ep.address} port ${ep.port}`;
  const seconds = `${(ep.connectTimeoutMs / 1000).toFixed(ep.connectTimeoutMs % 1000 === 0 ? 0 : 1)} s`;
  let phase: Phase = 'connect';
  let refusal: HostKeyRefusedError | undefined;

  return new Promise<SshConnection>((resolve, reject) => {
    let settled = false;
    let sftpTimer: NodeJS.Timeout | undefined;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(sftpTimer);
      options.signal?.removeEventListener('abort', onAbort);
      client.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(new HostAbortedError());
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    // our own socket: TCP_NODELAY (pipelined small requests must not wait for Nagle), and corking
    // so that a burst of SFTP requests leaves in one write
    const sock = tcpConnect({ host: ep.address, port: ep.port, noDelay: true });
    sock.on('connect', () => (phase = 'banner'));
    client.on('handshake', () => (phase = 'auth'));
    client.on('error', (err: Error & ClientErrorExtensions) => {
      if (err.level === 'agent') return; // ssh2 goes on with the next key
      if (refusal !== undefined) return fail(refusal);
      if (err.level === 'client-timeout') return fail(timeoutError(phase, where, seconds));
      if (err.level === 'client-authentication') {
        return fail(
          Object.assign(
            new Error(
              `${ep.username}@${ep.address}: Permission denied (tried ${ep.authTried.join(', ') || 'no key at all'})`,
            ),
            { level: 'client-authentication' },
          ),
        );
      }
      fail(err);
    });
    client.on('close', () =>
      fail(new SshConnectionLostError(`connection to ${where} closed during ${phaseWords(phase)}`)),
    );
    client.on('ready', () => {
      phase = 'sftp';
      sftpTimer = setTimeout(() => fail(timeoutError('sftp', where, seconds)), ep.connectTimeoutMs);
      client.sftp((err: Error | undefined, sftp: SFTPWrapper) => {
        clearTimeout(sftpTimer);
        if (err !== undefined)
          return fail(new Error(`cannot start the SFTP subsystem on ${where}: ${err.message}`));
        if (settled) return void sftp.end();
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        resolve(liveConnection(ep, client, sock, sftp, options));
      });
    });

    client.connect({
      sock,
      host: ep.address,
      port: ep.port,
      username: ep.username,
      authHandler: [...ep.auth],
      readyTimeout: ep.connectTimeoutMs,
      // the ssh config's ServerAliveInterval/CountMax win over our defaults, as they would for ssh
      keepaliveInterval: ep.keepaliveIntervalMs ?? options.keepaliveIntervalMs,
      keepaliveCountMax: ep.keepaliveCountMax ?? options.keepaliveCountMax,
      ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        verifyHostKey(options.knownHosts, ep.hostKeyPolicy, ep.hostKeyName, ep.port, key).then(
          () => verify(true),
          (err: unknown) => {
            refusal =
              err instanceof HostKeyRefusedError ? err : new HostKeyRefusedError('unknown', String(err));
            verify(false);
          },
        );
      },
    });
  });
}

function liveConnection(
  ep: SshEndpoint,
  client: ssh2.Client,
  sock: Socket,
  sftp: SFTPWrapper,
  options: ConnectOptions,
): SshConnection {
  let dead = false;
  let closed = false;
  const listeners: (() => void)[] = [];
  const session = new SftpSession(sftp, {
    stallTimeoutMs: options.stallTimeoutMs,
    socket: sock,
    onDead: () => {
      dead = true;
      client.destroy();
    },
  });
  client.on('error', (err: Error & ClientErrorExtensions) => {
    dead = true;
    const why =
      err.level === 'client-timeout'
        ? new SshTimeoutError('stall', `${ep.address}: ${err.message} (the node stopped answering)`)
        : new SshConnectionLostError(`connection to ${ep.address} port ${ep.port} failed: ${err.message}`, {
            cause: err,
          });
    session.kill(why);
  });
  client.on('close', () => {
    dead = true;
    closed = true;
    session.kill(new SshConnectionLostError(`connection to ${ep.address} port ${ep.port} closed`));
    for (const l of listeners.splice(0)) l();
  });
  return {
    endpoint: ep,
    session,
    get dead() {
      return dead;
    },
    onClose: (l) => (closed ? queueMicrotask(l) : void listeners.push(l)),
    close: () => {
      dead = true;
      client.end();
      // a frozen peer never answers our disconnect; do not wait for it
      setTimeout(() => client.destroy(), 2000).unref();
    },
  };
}

function timeoutError(phase: Phase, where: string, seconds: string): SshTimeoutError {
  switch (phase) {
    case 'connect':
      return new SshTimeoutError(
        'connect',
        `connect to host ${where}: Connection timed out (no answer within ${seconds})`,
      );
    case 'banner':
      return new SshTimeoutError(
        'banner',
        `${where}: Connection timed out during banner exchange (${seconds}; sshd accepted TCP but never answered)`,
      );
    case 'auth':
      return new SshTimeoutError('auth', `${where}: timed out during authentication (${seconds})`);
    case 'sftp':
      return new SshTimeoutError('sftp', `${where}: the SFTP subsystem did not start within ${seconds}`);
  }
}

function phaseWords(phase: Phase): string {
  return { connect: 'connect', banner: 'the banner exchange', auth: 'authentication', sftp: 'SFTP start-up' }[
    phase
  ];
}
