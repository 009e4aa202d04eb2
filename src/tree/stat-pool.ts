// A few worker threads that run readdir, lstat and hash jobs, so that on a big tree the main
// thread only makes rule decisions and builds entries. Per-entry lstat costs ~1.5 µs in Node (half
// of it building the Stats object) and fs.promises.lstat ~10 µs; spreading sync calls over
// workers is what brings a 1 M-entry scan near `find` (bench/scan.ts).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HashOutcome } from './hash-file.js';
import type { LstatJob } from './lstat-job.js';
import type { LstatBatch } from './raw-stat.js';
import { joinNames, splitNames, type StatJobMessage, type StatReplyMessage } from './stat-protocol.js';

export interface PooledListing {
  readonly paths: string[];
  readonly kinds: Uint8Array;
  readonly undecodable: number;
  readonly problem?: string;
  readonly worker: Worker;
  readonly listId: number;
}

interface PendingJob {
  readonly worker: Worker;
  readonly size: number;
  readonly resolve: (reply: StatReplyMessage) => void;
  readonly reject: (error: Error) => void;
}

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./stat-worker.js', import.meta.url));
  // Dev and test runs under tsx: a Node 20 worker does not inherit tsx's loader hooks, so the
  // worker registers them before it imports the TypeScript module.
  const api = import.meta.resolve('tsx/esm/api');
  const target = new URL('./stat-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
  return new Worker(code, { eval: true });
}

/** A directory listing costs about as much as lstat-ing a few of its entries. */
const LIST_WEIGHT = 32;

export class StatPool {
  private readonly workers: Worker[] = [];
  private readonly load = new Map<Worker, number>();
  private readonly pending = new Map<number, PendingJob>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = startWorker();
      worker.on('message', (reply: StatReplyMessage) => this.settle(reply));
      worker.on('error', (error) => this.fail(worker, error));
      worker.on('exit', (code) => this.fail(worker, new Error(`scan worker exited with code ${code}`)));
      this.workers.push(worker);
      this.load.set(worker, 0);
    }
  }

  async list(dir: string, relDir: string): Promise<PooledListing> {
    const worker = this.leastLoaded();
    const reply = await this.run(worker, LIST_WEIGHT, (id) => ({ id, kind: 'list', dir, relDir }));
    if (reply.kind !== 'list') throw unexpected(reply);
    return {
      paths: splitNames(reply.paths),
      kinds: reply.kinds,
      undecodable: reply.undecodable,
      ...(reply.problem !== undefined && { problem: reply.problem }),
      worker,
      listId: reply.id,
    };
  }

  /** lstat some entries of a listing, on the worker that holds its names. */
  async lstatListed(listing: PooledListing, indices: readonly number[]): Promise<LstatBatch> {
    const message = (id: number): StatJobMessage => ({
      id,
      kind: 'lstat-listed',
      listId: listing.listId,
      indices: Uint32Array.from(indices),
    });
    return toBatch(await this.run(listing.worker, indices.length, message));
  }

  forget(listing: PooledListing): void {
    if (this.failure === undefined)
      listing.worker.postMessage({ id: -1, kind: 'forget', listId: listing.listId });
  }

  async lstat(job: LstatJob): Promise<LstatBatch> {
    const message = (id: number): StatJobMessage => ({
      id,
      kind: 'lstat',
      dirs: job.dirs,
      counts: job.counts,
      names: joinNames(job.names),
    });
    return toBatch(await this.run(this.leastLoaded(), job.names.length, message));
  }

  async hash(paths: readonly string[]): Promise<readonly HashOutcome[]> {
    const message = (id: number): StatJobMessage => ({ id, kind: 'hash', paths: joinNames(paths) });
    const reply = await this.run(this.leastLoaded(), paths.length * 4, message);
    if (reply.kind !== 'hash') throw unexpected(reply);
    return reply.outcomes;
  }

  async close(): Promise<void> {
    this.failure ??= new Error('scan worker pool closed');
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /** Least-loaded worker, counted in entries: jobs differ in size. */
  private leastLoaded(): Worker {
    let best = this.workers[0] as Worker;
    for (const w of this.workers) if ((this.load.get(w) ?? 0) < (this.load.get(best) ?? 0)) best = w;
    return best;
  }

  private run(
    worker: Worker,
    size: number,
    message: (id: number) => StatJobMessage,
  ): Promise<StatReplyMessage> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    this.load.set(worker, (this.load.get(worker) ?? 0) + size);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker, size, resolve, reject });
      worker.postMessage(message(id));
    });
  }

  private settle(reply: StatReplyMessage): void {
    const job = this.pending.get(reply.id);
    if (job === undefined) return;
    this.pending.delete(reply.id);
    this.load.set(job.worker, (this.load.get(job.worker) ?? 0) - job.size);
    job.resolve(reply);
  }

  private fail(worker: Worker, error: Error): void {
    if (this.failure === undefined) this.failure = error;
    for (const [id, job] of this.pending) {
      if (job.worker !== worker) continue;
      this.pending.delete(id);
      job.reject(error);
    }
  }
}

function toBatch(reply: StatReplyMessage): LstatBatch {
  if (reply.kind !== 'lstat') throw unexpected(reply);
  return { fields: reply.fields, targets: new Map(reply.targets), errors: new Map(reply.errors) };
}

function unexpected(reply: StatReplyMessage): Error {
  return new Error(`scan worker sent an unexpected ${reply.kind} reply`);
}
