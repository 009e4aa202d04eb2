// Promise face of one ssh2 SFTP channel. Every request names its operation and path so a failure
// says "rename /etc/x: …". Requests are not awaited one by one by the callers: sftp-server answers
// in order, so independent requests are pipelined on the channel. A watchdog fails everything
// outstanding when the node stops answering (a frozen node must fail alone and fast).
import type { Attributes, InputAttributes, SFTPWrapper, Stats } from 'ssh2';
import { ChannelDataCoalescer, type SendChannelData } from './channel-data-coalescer.js';
import { SFTP_STATUS, SftpStatusError, SshConnectionLostError, SshTimeoutError } from './ssh-errors.js';

export interface StatVfs {
  readonly f_bsize: number;
  readonly f_frsize: number;
  readonly f_bavail: number;
  readonly f_favail: number;
  readonly f_flag: number;
}

interface Pending {
  readonly op: string;
  readonly path: string;
  readonly reject: (err: Error) => void;
}

export interface SftpSessionOptions {
  /** Fail when requests are outstanding and nothing has been answered for this long. */
  readonly stallTimeoutMs: number;
  /** Called once when the session dies (stall, channel closed, abort), to drop the connection. */
  readonly onDead?: (err: Error) => void;
  /** The connection's socket: requests issued in one tick are corked into one write. */
  readonly socket?: { cork(): void; uncork(): void };
}

/** The parts of ssh2's SFTP object (not in its typings) that coalescing needs. */
interface SftpInternals {
  readonly _protocol?: Record<string, unknown>;
  readonly outgoing?: { readonly id?: unknown; readonly packetSize?: unknown };
}

export class SftpSession {
  private readonly pending = new Set<Pending>();
  private lastAnswerAt = Date.now();
  private deadError: Error | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  private readonly coalescer: ChannelDataCoalescer | undefined;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly options: SftpSessionOptions,
  ) {
    this.coalescer = this.coalesceRequests();
    const lost = (what: string) => () =>
      this.kill(new SshConnectionLostError(`the SFTP channel ${what} (connection to the node lost)`));
    sftp.on('close', lost('closed'));
    sftp.on('end', lost('ended'));
    sftp.on('error', (err: Error) =>
      this.kill(new SshConnectionLostError(`SFTP channel error: ${err.message}`)),
    );
  }

  get dead(): Error | undefined {
    return this.deadError;
  }

  /** Fail every outstanding and future request with `err` (stall, timeout, abort, lost channel). */
  kill(err: Error): void {
    if (this.deadError !== undefined) return;
    this.deadError = err;
    this.stopWatchdog();
    for (const p of [...this.pending]) p.reject(err);
    this.pending.clear();
    this.options.onDead?.(err);
  }

  open(path: string, flags: 'w' | 'wx', mode: number): Promise<Buffer> {
    return this.request<Buffer>('open', path, (cb) => this.sftp.open(path, flags, { mode }, cb));
  }
  write(handle: Buffer, path: string, data: Buffer, position: number): Promise<void> {
    return this.request<void>('write', path, (cb) =>
      this.sftp.write(handle, data, 0, data.length, position, cb),
    );
  }
  fsync(handle: Buffer, path: string): Promise<void> {
    return this.request<void>('fsync', path, (cb) => this.sftp.ext_openssh_fsync(handle, cb));
  }
  /** fsetstat; sftp-server applies mode, then times, then owner. */
  fsetstat(handle: Buffer, path: string, attrs: InputAttributes): Promise<void> {
    return this.request<void>('setstat', path, (cb) => this.sftp.fsetstat(handle, attrs, cb));
  }
  fchmod(handle: Buffer, path: string, mode: number): Promise<void> {
    return this.request<void>('chmod', path, (cb) => this.sftp.fchmod(handle, mode, cb));
  }
  close(handle: Buffer, path: string): Promise<void> {
    return this.request<void>('close', path, (cb) => this.sftp.close(handle, cb));
  }
  /** posix-rename@openssh.com: rename(2), replaces the target atomically (plain SFTP rename refuses to). */
  rename(from: string, to: string): Promise<void> {
    return this.request<void>('rename', to, (cb) => this.sftp.ext_openssh_rename(from, to, cb));
  }
  unlink(path: string): Promise<void> {
    return this.request<void>('unlink', path, (cb) => this.sftp.unlink(path, cb));
  }
  rmdir(path: string): Promise<void> {
    return this.request<void>('rmdir', path, (cb) => this.sftp.rmdir(path, cb));
  }
  mkdir(path: string, mode: number): Promise<void> {
    return this.request<void>('mkdir', path, (cb) => this.sftp.mkdir(path, { mode }, cb));
  }
  lstat(path: string): Promise<Stats> {
    return this.request<Stats>('lstat', path, (cb) => this.sftp.lstat(path, cb));
  }
  readlink(path: string): Promise<string> {
    return this.request<string>('readlink', path, (cb) => this.sftp.readlink(path, cb));
  }
  stat(path: string): Promise<Stats> {
    return this.request<Stats>('stat', path, (cb) => this.sftp.stat(path, cb));
  }
  /** Creates `linkPath` → `target` (ssh2 swaps the arguments for OpenSSH's reversed SYMLINK order). */
  symlink(target: string, linkPath: string): Promise<void> {
    return this.request<void>('symlink', linkPath, (cb) => this.sftp.symlink(target, linkPath, cb));
  }
  /** lsetstat@openssh.com: setstat that does not follow a symlink (lchown). */
  lsetstat(path: string, attrs: InputAttributes): Promise<void> {
    return this.request<void>('setstat', path, (cb) => this.sftp.ext_openssh_lsetstat(path, attrs, cb));
  }
  /** Plain setstat: follows a symlink; only for paths just checked not to be one. */
  setstat(path: string, attrs: InputAttributes): Promise<void> {
    return this.request<void>('setstat', path, (cb) => this.sftp.setstat(path, attrs, cb));
  }
  statvfs(path: string): Promise<StatVfs> {
    return this.request<StatVfs>('statvfs', path, (cb) => this.sftp.ext_openssh_statvfs(path, cb));
  }
  readdir(path: string): Promise<{ filename: string; attrs: Attributes }[]> {
    return this.request('readdir', path, (cb) => this.sftp.readdir(path, cb));
  }

  /** Close the channel (the connection stays). */
  end(): void {
    this.stopWatchdog();
    this.sftp.end();
  }

  private request<T>(
    op: string,
    path: string,
    send: (cb: (err: unknown, value?: unknown) => void) => void,
  ): Promise<T> {
    if (this.deadError !== undefined) return Promise.reject(this.deadError);
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.lastAnswerAt = Date.now();
      const entry: Pending = { op, path, reject };
      this.pending.add(entry);
      this.startWatchdog();
      const done = (err: unknown, value?: unknown): void => {
        if (!this.pending.delete(entry)) return; // already failed by kill()
        this.lastAnswerAt = Date.now();
        if (this.pending.size === 0) this.stopWatchdog();
        if (err === undefined || err === null) resolve(value as T);
        else reject(toSftpError(op, path, err));
      };
      this.flushAtEndOfTick();
      try {
        send(done);
      } catch (err) {
        // ssh2 throws synchronously for an extension the server lacks
        done(new SftpStatusError(op, path, SFTP_STATUS.OP_UNSUPPORTED, (err as Error).message));
      }
    });
  }

  /**
   * A burst of pipelined requests (dozens per file) leaves at the end of the tick: as few SSH
   * packets as fit (channel-data-coalescer.ts), in one socket write.
   */
  private flushAtEndOfTick(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const socket = this.options.socket;
    socket?.cork();
    process.nextTick(() => {
      this.flushScheduled = false;
      if (this.deadError === undefined) this.coalescer?.flush();
      socket?.uncork();
    });
  }

  /**
   * Routes this channel's CHANNEL_DATA through a coalescer, flushed at the end of the tick. Every
   * other message ssh2 sends on the connection first flushes what is queued, so nothing overtakes
   * the requests (a close never passes the data before it). Without the expected internals
   * (another ssh2 version), requests go out one packet each, as ssh2 sends them.
   */
  private coalesceRequests(): ChannelDataCoalescer | undefined {
    const { _protocol: protocol, outgoing } = this.sftp as unknown as SftpInternals;
    const channel = outgoing?.id;
    const maxPacket = outgoing?.packetSize;
    if (protocol === undefined || typeof channel !== 'number' || typeof maxPacket !== 'number')
      return undefined;
    const original = protocol.channelData;
    if (typeof original !== 'function' || maxPacket < 1024) return undefined;
    const send = (original as SendChannelData).bind(protocol);
    const coalescer = new ChannelDataCoalescer(send, maxPacket);
    protocol.channelData = (id: number, data: Buffer): void => {
      if (id !== channel || !Buffer.isBuffer(data)) {
        coalescer.flush();
        send(id, data);
        return;
      }
      coalescer.add(id, data);
      if (coalescer.pendingBytes > 0) this.flushAtEndOfTick();
    };
    for (const name of FLUSHING_MESSAGES) {
      const original = protocol[name];
      if (typeof original !== 'function') continue;
      protocol[name] = (...args: unknown[]): unknown => {
        coalescer.flush();
        return (original as (...a: unknown[]) => unknown).apply(protocol, args);
      };
    }
    return coalescer;
  }

  private startWatchdog(): void {
    if (this.watchdog !== undefined) return;
    const every = Math.max(100, Math.min(1000, this.options.stallTimeoutMs / 4));
    this.watchdog = setInterval(() => {
      const silent = Date.now() - this.lastAnswerAt;
      if (this.pending.size === 0 || silent < this.options.stallTimeoutMs) return;
      const first = this.pending.values().next().value;
      const waiting = first === undefined ? '' : ` (waiting for ${first.op} ${first.path})`;
      this.kill(
        new SshTimeoutError('stall', `no answer from the node for ${(silent / 1000).toFixed(1)} s${waiting}`),
      );
    }, every);
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }
}

/** ssh2 Protocol methods that end a channel or the connection, or send on a channel besides its data. */
const FLUSHING_MESSAGES = ['channelEOF', 'channelClose', 'channelExtData', 'signal', 'disconnect'] as const;

function toSftpError(op: string, path: string, err: unknown): Error {
  if (err instanceof SftpStatusError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const status = (e as { code?: unknown }).code;
  if (typeof status === 'number') return new SftpStatusError(op, path, status, e.message);
  // ssh2 answers every outstanding request with this when the channel closes under it
  return new SshConnectionLostError(`${op} ${path}: ${e.message} (connection to the node lost)`, {
    cause: e,
  });
}

export function isStatus(err: unknown, status: number): boolean {
  return err instanceof SftpStatusError && err.status === status;
}
