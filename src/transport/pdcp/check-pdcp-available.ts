// Can this machine run the pdcp transport? pdcp, pdsh (with its ssh module) and ssh must be here;
// whether each node has pdcp is only known per host (rc 127 → 'remote-pdcp-missing').
import { execFile } from 'node:child_process';
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
  const modules = /rcmd modules:([^(\n]*)/.exec(await pdshVersion(tools.pdshPath ?? 'pdsh'))?.[1] ?? '';
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

/** `pdsh -V`, stdout and stderr (its versions differ on which); node:child_process, not execa:
 *  loading execa costs a cron run that turns out to have nothing to push ~20 ms. */
function pdshVersion(pdsh: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile(pdsh, ['-V'], { timeout: 10_000 }, (_error, stdout, stderr) =>
      resolve(`${stdout}${stderr}`),
    );
    child.stdin?.end();
  });
}
