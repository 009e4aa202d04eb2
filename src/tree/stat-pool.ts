// A few worker threads that run lstat and hash jobs in parallel with the main thread's readdir
// walk. On 1 M entries this is what brings the scan near `find`: per-entry lstat costs ~1.5 µs of
// which half is Node's Stats object, and async fs.promises.lstat is ~10 µs (bench/scan.ts).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HashOutcome } from './hash-file.js';
import type { LstatBatch } from './raw-stat.js';
import type { LstatJob } from './lstat-paths.js';
import { joinNames, type StatJobMessage, type StatReplyMessage } from './stat-protocol.js';

function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./stat-worker.js', import.meta.url));
  // Dev and test runs under tsx: a Node 20 worker does not inherit tsx's loader hooks, so the
  // worker registers them before it imports the TypeScript module.
  const api = import.meta.resolve('tsx/esm/api');
  const target = new URL('./stat-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
  return new Worker(code, { eval: true });
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

  async lstat(job: LstatJob): Promise<LstatBatch> {
    const reply = await this.run(job.names.length, (id) => ({
      id,
      kind: 'lstat',
      dirs: job.dirs,
      counts: job.counts,
      names: joinNames(job.names),
    }));
    if (reply.kind !== 'lstat') throw new Error('scan worker answered a lstat job with a hash reply');
    return { fields: reply.fields, targets: new Map(reply.targets), errors: new Map(reply.errors) };
  }

  async hash(paths: readonly string[]): Promise<readonly HashOutcome[]> {
    const reply = await this.run(paths.length, (id) => ({ id, kind: 'hash', paths: joinNames(paths) }));
    if (reply.kind !== 'hash') throw new Error('scan worker answered a hash job with a lstat reply');
    return reply.outcomes;
  }

  async close(): Promise<void> {
    this.failure ??= new Error('scan worker pool closed');
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private run(size: number, message: (id: number) => StatJobMessage): Promise<StatReplyMessage> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    // Least-loaded worker, counted in entries: jobs differ in size.
    let worker = this.workers[0] as Worker;
    for (const w of this.workers) if ((this.load.get(w) ?? 0) < (this.load.get(worker) ?? 0)) worker = w;
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
