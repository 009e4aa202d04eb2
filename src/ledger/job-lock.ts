// One process per job: <jobdir>/lock, created with O_EXCL, holds "pid starttime". A lock whose
// process is gone (no /proc/PID, or a different start time: the pid was reused) is stale and is
// taken over; a live one is a LedgerError naming the pid.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { LedgerError } from '../errors.js';

interface LockOwner {
  readonly pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot); '' when unknown. */
  readonly started: string;
}

export class JobLock {
  private constructor(
    readonly file: string,
    private readonly content: string,
  ) {}

  static async acquire(file: string): Promise<JobLock> {
    const content = `${process.pid} ${processStartTime(process.pid) ?? ''}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const handle = await open(file, 'wx', 0o600);
        try {
          await handle.writeFile(content);
          await handle.sync();
        } finally {
          await handle.close();
        }
        return new JobLock(file, content);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new LedgerError(`cannot create lock ${file}: ${(error as Error).message}`);
        }
      }
      await removeIfStale(file);
    }
    throw new LedgerError(`cannot take lock ${file}: other processes keep taking it`);
  }

  /** Removes the lock if it is still ours. */
  async release(): Promise<void> {
    const current = await readFile(this.file, 'utf8').catch(() => undefined);
    if (current === this.content) await unlink(this.file).catch(() => undefined);
  }
}

/** Throws if the lock is held by a live process; removes it if stale; returns if it vanished. */
async function removeIfStale(file: string): Promise<void> {
  const seen = await readFile(file, 'utf8').catch(() => undefined);
  if (seen === undefined) return;
  const owner = parseOwner(seen);
  if (owner !== undefined && isAlive(owner)) {
    const who = owner.pid === process.pid ? 'this process' : `process ${owner.pid}`;
    throw new LedgerError(
      `job state is in use by ${who} (lock ${file}); is another clsync-hpc running for this job?`,
    );
  }
  // Move it aside first and check that what we moved is the stale lock we judged: a process that
  // took over in between must keep its fresh lock.
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch {
    return; // someone else removed it: try again
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== seen) {
    await link(aside, file).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    throw new LedgerError(`lock ${file} changed hands while being taken over; try again`);
  }
  await unlink(aside);
}

function parseOwner(content: string): LockOwner | undefined {
  const match = /^(\d+) (\d*)\n?$/.exec(content);
  if (match === null) return undefined; // empty or torn: its writer died before finishing
  return { pid: Number(match[1]), started: match[2] ?? '' };
}

function isAlive(owner: LockOwner): boolean {
  const started = processStartTime(owner.pid);
  if (started === undefined) return false;
  return owner.started === '' || owner.started === started;
}

/** Start time of a live process from /proc, undefined if there is no such process. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}
