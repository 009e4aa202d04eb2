// Lists directories of a big tree with find(1) (findutils, always there on Debian): readdir plus
// an fstatat() per entry relative to the open directory, run in up to one process per CPU so the
// kernel's share of the work is spread over the cores while this thread only parses and decides.
// On a 2-CPU VM this lists and stats a 1 M-entry tree in less time, and far less CPU, than lstat
// calls on worker threads (Node's lstat takes a full path and builds a Stats with 4 Dates).
// Only directories the rules walk are asked for (one find reads many of them: -files0-from,
// -maxdepth 1), so excluded subtrees stay unread; every entry of a walked directory is stat'ed.
import { spawn } from 'node:child_process';
import {
  type DirectoryRequest,
  DirectoryRequests,
  type FoundListing,
  LIST_IN_THREAD,
} from './directory-requests.js';
import { FIND_FORMAT, type FoundDirectory, FindRecordParser, sortedDirectory } from './find-records.js';

/** Below this many directories per find, a process costs more than it saves. */
export const MIN_DIRS_PER_FIND = 4;

export class FindLister {
  readonly kind = 'find';
  // Directories found by the same listing (and the next ones) go to the same find.
  private readonly requests = new DirectoryRequests(() => this.start());
  private running = 0;
  /** find could not be started (not installed): every later request gets LIST_IN_THREAD. */
  private unavailable = false;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly maxProcesses: number,
  ) {}

  get usable(): boolean {
    return !this.unavailable && !this.closed;
  }

  /** The entries of directory `relDir` (a tree path, never the root) with their stats. */
  list(relDir: string): Promise<FoundListing | typeof LIST_IN_THREAD> {
    return this.requests.add(relDir);
  }

  close(): void {
    this.closed = true;
    this.requests.releaseAll();
  }

  private start(): void {
    if (!this.usable) return this.close();
    const free = this.maxProcesses - this.running;
    if (free <= 0 || this.requests.size === 0) return;
    const all = this.requests.take();
    if (all.length < MIN_DIRS_PER_FIND) {
      for (const r of all) r.resolve(LIST_IN_THREAD);
      return;
    }
    const parts = Math.max(1, Math.min(free, Math.floor(all.length / MIN_DIRS_PER_FIND)));
    const size = Math.ceil(all.length / parts);
    for (let i = 0; i < all.length; i += size) this.run(all.slice(i, i + size));
  }

  private run(requests: DirectoryRequest[]): void {
    this.running++;
    let next = 0;
    const finish = (upTo: number): void => {
      for (; next < upTo; next++) (requests[next] as DirectoryRequest).resolve(LIST_IN_THREAD);
    };
    const parser = new FindRecordParser((found: FoundDirectory) => {
      // find answers in the order it was asked; directories it skipped printed nothing.
      let at = next;
      while (at < requests.length && (requests[at] as DirectoryRequest).relDir !== found.dir) at++;
      if (at === requests.length)
        throw new Error(`find listed ${JSON.stringify(found.dir)}, never asked for`);
      finish(at);
      const { paths, kinds, batch } = sortedDirectory(found);
      (requests[at] as DirectoryRequest).resolve({ paths, kinds, undecodable: found.undecodable, batch });
      next = at + 1;
    });
    // -files0-from: directory names are data, never options or expressions, whatever they hold.
    const args = ['-files0-from', '-', '-mindepth', '1', '-maxdepth', '1', '-printf', FIND_FORMAT];
    const child = spawn('find', args, {
      cwd: this.root,
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let failed: Error | undefined;
    const fail = (error: Error): void => {
      failed ??= error;
      child.kill();
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (failed !== undefined) return;
      try {
        parser.push(chunk);
      } catch (error) {
        fail(error as Error);
      }
    });
    child.stdin.on('error', () => undefined); // find died early: 'close' says how
    child.stdin.end(`${requests.map((r) => r.relDir).join('\0')}\0`);
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') this.unavailable = true;
      else failed ??= error;
    });
    child.on('close', (code, signal) => {
      this.running--;
      if (failed === undefined && signal === null && code !== null && code <= 1) {
        // Exit 1: some entry vanished or could not be read; it is simply not listed.
        try {
          parser.end();
        } catch (error) {
          failed = error as Error;
        }
      }
      if (this.unavailable) {
        finish(requests.length);
      } else if (failed !== undefined) {
        const why = failed;
        for (; next < requests.length; next++) (requests[next] as DirectoryRequest).reject(why);
      } else if (signal !== null || code === null || code > 1) {
        const why = new Error(`find exited with ${signal ?? `code ${code}`} while listing the tree`);
        for (; next < requests.length; next++) (requests[next] as DirectoryRequest).reject(why);
      } else {
        finish(requests.length);
      }
      this.start();
    });
  }
}
