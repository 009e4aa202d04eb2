// Can this machine run the pdcp transport? pdcp, pdsh (with its ssh module) and ssh must be here;
// whether each node has pdcp is only known per host (rc 127 → 'remote-pdcp-missing').
import { execa } from 'execa';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

export interface PdcpTools {
  readonly pdcpPath?: string;
  readonly pdshPath?: string;
}

/** Why the pdcp transport cannot run here, or undefined when it can. */
export async function checkPdcpAvailable(tools: PdcpTools = {}): Promise<string | undefined> {
  for (const [name, path] of [
    ['pdcp', tools.pdcpPath ?? 'pdcp'],
    ['pdsh', tools.pdshPath ?? 'pdsh'],
    ['ssh', 'ssh'],
  ] as const) {
    if ((await findExecutable(path)) === undefined) {
      return `${name} not found (${isAbsolute(path) ? path : `not on PATH`}; Debian/Ubuntu: apt-get install pdsh openssh-client)`;
    }
  }
  const version = await execa(tools.pdshPath ?? 'pdsh', ['-V'], {
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: 10_000,
  });
  const modules = /rcmd modules:([^(\n]*)/.exec(String(version.all ?? ''))?.[1] ?? '';
  if (!/\bssh\b/.test(modules))
    return `pdsh has no ssh rcmd module (pdsh -V lists: ${modules.trim() || 'nothing'})`;
  return undefined;
}

async function findExecutable(path: string): Promise<string | undefined> {
  const candidates = path.includes('/')
    ? [path]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, path));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next one
    }
  }
  return undefined;
}
