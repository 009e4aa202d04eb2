// --status-file and --pid-file: one word, rewritten atomically on each change (as clsync), removed
// on exit, so monitoring can read the daemon's state without a socket.
import { rename, rm, writeFile } from 'node:fs/promises';

export type DaemonState =
  'starting' | 'initsync' | 'running' | 'retrying' | 'rehashing' | 'terminating' | 'exiting';

export class StatusFile {
  private current: DaemonState | undefined;
  constructor(private readonly path: string | undefined) {}

  async set(state: DaemonState): Promise<void> {
    if (this.path === undefined || state === this.current) return;
    this.current = state;
    const tmp = `${this.path}.tmp-${process.pid}`;
    await writeFile(tmp, `${state}\n`);
    await rename(tmp, this.path);
  }

  async remove(): Promise<void> {
    if (this.path !== undefined) await rm(this.path, { force: true });
  }
}

export async function writePidFile(path: string | undefined): Promise<void> {
  if (path !== undefined) await writeFile(path, `${process.pid}\n`);
}

export async function removePidFile(path: string | undefined): Promise<void> {
  if (path !== undefined) await rm(path, { force: true });
}
