// Connections per host. One-shot runs open one per host per push and close it after; watch mode
// keeps each host's connection between pushes (keepalive notices a dead one, an idle one closes
// after idleCloseMs), so a steady stream of small changes costs no new handshakes.
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
    return { conn, reused: false };
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
