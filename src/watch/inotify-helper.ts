// The process edge of watching: runs the Python inotify helper, sends it add/remove-watch requests
// and hands its records on. Knows nothing about trees or rules (tree-watcher.ts does).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { decodeInotifyEvents, type InotifyEvent } from './inotify-event.js';
import { INOTIFY_HELPER_SCRIPT } from './inotify-helper-script.js';
import { encodeAddWatch, encodeRemoveWatch, RecordDecoder, type HelperRecord } from './helper-protocol.js';
import { WatchError } from './watch-error.js';

export type AddWatchResult =
  | { readonly ok: true; readonly wd: number }
  /** `code` is the errno name (ENOSPC, EACCES…) or 'EHELPERGONE' when the helper exited first. */
  | { readonly ok: false; readonly code: string };

export interface HelperListener {
  onEvents(events: readonly InotifyEvent[]): void;
  /** The helper exited without stop() having been called (`signal`: what killed it, if one did). */
  onExit(reason: string, signal: NodeJS.Signals | null): void;
}

const STDERR_KEEP_BYTES = 2048;

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name]),
);

export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

type HelperProcess = ChildProcessByStdio<Writable, Readable, Readable>;

export class InotifyHelper {
  private readonly decoder = new RecordDecoder();
  private readonly pendingAdds = new Map<number, (result: AddWatchResult) => void>();
  private nextRequestId = 1;
  private stderrTail = '';
  private exited = false;
  private stopping = false;
  private readonly exitPromise: Promise<void>;

  private constructor(
    private readonly child: HelperProcess,
    private readonly listener: HelperListener,
  ) {
    this.exitPromise = new Promise((resolve) => child.once('close', () => resolve()));
  }

  /** Starts the helper and waits until its inotify instance exists. */
  static async start(python: string, listener: HelperListener): Promise<InotifyHelper> {
    const child = spawn(python, ['-I', '-S', '-c', INOTIFY_HELPER_SCRIPT, String(process.pid)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // its own process group: a terminal's Ctrl-C or timeout(1) signals the daemon, which stops the
      // helper itself, instead of killing the helper under it (it dies with us anyway: stdin EOF,
      // PR_SET_PDEATHSIG)
      detached: true,
    });
    const helper = new InotifyHelper(child, listener);
    await helper.waitReady(python);
    return helper;
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.child.pid;
  }

  /**
   * Resolves once the helper has answered, so a caller may scan the directory knowing it is watched.
   * `onReply` runs synchronously when the answer is decoded, before any event read after it is
   * delivered: record the wd there, or the first events of the new watch find no path for it.
   */
  addWatch(absolutePath: string, onReply?: (result: AddWatchResult) => void): Promise<AddWatchResult> {
    const gone: AddWatchResult = { ok: false, code: 'EHELPERGONE' };
    if (this.exited || this.stopping) {
      onReply?.(gone);
      return Promise.resolve(gone);
    }
    const requestId = this.nextRequestId++;
    if (this.nextRequestId > 0x7fffffff) this.nextRequestId = 1;
    return new Promise((resolve) => {
      this.pendingAdds.set(requestId, (result) => {
        onReply?.(result);
        resolve(result);
      });
      this.child.stdin.write(encodeAddWatch(requestId, Buffer.from(absolutePath, 'utf8')));
    });
  }

  removeWatch(wd: number): void {
    if (!this.exited && !this.stopping) this.child.stdin.write(encodeRemoveWatch(wd));
  }

  /** Kills the helper (SIGKILL works even on a stopped process) and waits until it is gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.exited) {
      this.child.stdin.end();
      this.child.kill('SIGKILL');
    }
    await this.exitPromise;
  }

  private waitReady(python: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        this.stopping = true;
        this.child.kill('SIGKILL');
        reject(new WatchError(`cannot start the inotify helper (${python}): ${why}`));
      };
      this.child.once('error', (error) => fail(error.message));
      this.child.stdin.on('error', () => {
        // EPIPE after the helper died; the 'exit' handler reports it
      });
      this.child.stderr.on('data', (chunk: Buffer) => {
        this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_KEEP_BYTES);
      });
      let ready = false;
      this.child.stdout.on('data', (chunk: Buffer) => {
        for (const record of this.decodeOrKill(chunk)) {
          if (record.type === 'ready') {
            ready = true;
            resolve();
          } else if (record.type === 'init-failed') {
            const code = errnoName(record.errno);
            fail(
              code === 'EMFILE'
                ? 'inotify_init1: EMFILE: too many inotify instances for this user (fs.inotify.max_user_instances)'
                : `inotify_init1: ${code}`,
            );
          } else {
            this.handle(record);
          }
        }
      });
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        for (const resolveAdd of this.pendingAdds.values()) resolveAdd({ ok: false, code: 'EHELPERGONE' });
        this.pendingAdds.clear();
        const reason = this.describeExit(code, signal);
        if (!ready) fail(reason);
        else if (!this.stopping) this.listener.onExit(reason, signal);
      });
    });
  }

  private decodeOrKill(chunk: Buffer): HelperRecord[] {
    try {
      return this.decoder.push(chunk);
    } catch (error) {
      // a garbled stream cannot be resynchronised: restart the helper (the watcher rescans)
      this.stderrTail += `\n${(error as Error).message}`;
      this.child.kill('SIGKILL');
      return [];
    }
  }

  private handle(record: HelperRecord): void {
    switch (record.type) {
      case 'events': {
        let events: InotifyEvent[];
        try {
          events = decodeInotifyEvents(record.data);
        } catch (error) {
          this.stderrTail += `\n${(error as Error).message}`;
          this.child.kill('SIGKILL');
          return;
        }
        this.listener.onEvents(events);
        return;
      }
      case 'added':
      case 'add-failed': {
        const resolveAdd = this.pendingAdds.get(record.requestId);
        this.pendingAdds.delete(record.requestId);
        resolveAdd?.(
          record.type === 'added'
            ? { ok: true, wd: record.wd }
            : { ok: false, code: errnoName(record.errno) },
        );
        return;
      }
      default:
        return;
    }
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null): string {
    const how = signal !== null ? `was killed by ${signal}` : `exited with status ${code ?? '?'}`;
    const stderr = this.stderrTail.trim();
    return `inotify helper (pid ${this.child.pid ?? '?'}) ${how}${stderr === '' ? '' : `: ${stderr.split('\n').slice(-3).join(' | ')}`}`;
  }
}
