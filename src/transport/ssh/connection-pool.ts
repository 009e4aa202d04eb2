// Connections per host. One-shot runs open one per host per push and close it after; watch mode
// keeps each host's connection between pushes (keepalive notices a dead one, an idle one closes
// after idleCloseMs), so a steady stream of small changes costs no new handshakes. One-shot runs
// may start connecting before the push (prewarm), so that handshakes overlap the staging.
import type { SshConnection } from './connect-ssh.js';

export interface SshTransportStats {
  /** Connections attempted (TCP + handshake + auth + SFTP). */
  readonly connectAttempts: number;
  /** Connections that became usable. */
  readonly connectsOpened: number;
  /** Pushes served by a kept connection instead of a new one. */
  readonly connectionsReused: number;
  readonly connectionsClosed: number;
  /** Connections open right now (in use or idle). */
  readonly open: number;
}

interface Idle {
  readonly conn: SshConnection;
  readonly timer: NodeJS.Timeout;
}

export class ConnectionPool {
  private readonly idle = new Map<string, Idle>();
  private readonly live = new Set<SshConnection>();
  /** Connection attempts started by prewarm() and not yet taken by acquire(). */
  private readonly warming = new Map<string, Promise<SshConnection>>();
  private readonly warmingStop = new AbortController();
  private counts = { connectAttempts: 0, connectsOpened: 0, connectionsReused: 0, connectionsClosed: 0 };

  constructor(
    private readonly openConnection: (
      host: string,
      signal: AbortSignal | undefined,
    ) => Promise<SshConnection>,
    private readonly keep: boolean,
    private readonly idleCloseMs: number,
  ) {}

  /** A kept live connection for `host`, else a new one (which may throw: the caller classifies). */
  async acquire(host: string, signal?: AbortSignal): Promise<{ conn: SshConnection; reused: boolean }> {
    const idle = this.idle.get(host);
    if (idle !== undefined) {
      this.idle.delete(host);
      clearTimeout(idle.timer);
      if (!idle.conn.dead) {
        this.counts.connectionsReused++;
        return { conn: idle.conn, reused: true };
      }
      idle.conn.close();
    }
    const warm = this.warming.get(host);
    if (warm === undefined) return { conn: await this.connect(host, signal), reused: false };
    // the attempt prewarm() started is this one: its connection or its error, never a second try
    this.warming.delete(host);
    return { conn: await abandonOnAbort(warm, signal), reused: false };
  }

  /**
   * One-shot runs: start connecting to `host` now, before the push asks for it (no-op when
   * connections are kept: watch mode has them already, and an attempt nobody takes would go stale).
   */
  prewarm(host: string): void {
    if (this.keep || this.idle.has(host) || this.warming.has(host) || this.warmingStop.signal.aborted) return;
    const attempt = this.connect(host, this.warmingStop.signal);
    attempt.catch(() => undefined); // reported by the acquire() that takes it over
    this.warming.set(host, attempt);
  }

  private async connect(host: string, signal: AbortSignal | undefined): Promise<SshConnection> {
    this.counts.connectAttempts++;
    const conn = await this.openConnection(host, signal);
    this.counts.connectsOpened++;
    this.live.add(conn);
    conn.onClose(() => {
      if (!this.live.delete(conn)) return;
      this.counts.connectionsClosed++;
      const kept = this.idle.get(host);
      if (kept?.conn === conn) {
        clearTimeout(kept.timer);
        this.idle.delete(host);
      }
    });
    return conn;
  }

  /** Done with `conn` for now: keep it (watch mode, healthy) or close it. */
  release(host: string, conn: SshConnection): void {
    if (!this.keep || conn.dead || this.idle.has(host)) {
      conn.close();
      return;
    }
    const timer = setTimeout(() => {
      if (this.idle.get(host)?.conn === conn) this.idle.delete(host);
      conn.close();
    }, this.idleCloseMs);
    timer.unref();
    this.idle.set(host, { conn, timer });
  }

  stats(): SshTransportStats {
    return { ...this.counts, open: this.live.size };
  }

  /** Close everything and wait (bounded) until the sockets are gone. */
  async closeAll(): Promise<void> {
    // attempts nobody took (their hosts had nothing left to send): stop them, close what connected
    this.warmingStop.abort();
    await Promise.all([...this.warming.values()].map((attempt) => attempt.catch(() => undefined)));
    this.warming.clear();
    for (const { timer } of this.idle.values()) clearTimeout(timer);
    this.idle.clear();
    const closing = [...this.live].map(
      (conn) =>
        new Promise<void>((resolve) => {
          conn.onClose(resolve);
          conn.close();
          setTimeout(resolve, 3000).unref();
        }),
    );
    await Promise.all(closing);
  }
}

/**
 * The push was stopped while a prewarmed attempt was still connecting: give up waiting (with the
 * abort's reason; the push reports its own stop reason), and close the connection if it comes.
 */
function abandonOnAbort(
  attempt: Promise<SshConnection>,
  signal: AbortSignal | undefined,
): Promise<SshConnection> {
  if (signal === undefined) return attempt;
  return new Promise<SshConnection>((resolve, reject) => {
    const onAbort = (): void => {
      void attempt.then(
        (conn) => conn.close(),
        () => undefined,
      );
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    attempt.then(
      (conn) => {
        signal.removeEventListener('abort', onAbort);
        resolve(conn);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err); // as it came: classifySshError reads ssh2's own errors
      },
    );
  });
}
