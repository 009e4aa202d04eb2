// Write a StagePlan into a local directory (the I/O half of stage-plan.ts). pdcp only reads the
// stage, so content files are hard links to the frozen copies; the local transport runs apply.sh
// on the stage itself, which changes owner/mode/mtime of the content files, so it copies them.
// Content held in memory (small files) is written out.
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StagePlan } from './stage-plan.js';

/**
 * `.clsync-hpc.<job>.<batch>.<nonce>` (`.clsync-hpc.<batch>.<nonce>` without a job tag): apply.sh
 * refuses to run anywhere else and, given the job tag, removes the job's older stages next to it;
 * the nonce keeps attempts apart.
 */
export function stageDirName(batchId: string, jobTag?: string): string {
  if (jobTag !== undefined && !/^[0-9a-z]+$/.test(jobTag))
    throw new Error(`bad job tag ${JSON.stringify(jobTag)}`);
  const nonce = randomBytes(6).toString('hex');
  return jobTag === undefined
    ? `.clsync-hpc.${batchId}.${nonce}`
    : `.clsync-hpc.${jobTag}.${batchId}.${nonce}`;
}

const PARALLEL = 64;

export async function writeStageDir(
  dir: string,
  plan: StagePlan,
  options: { readonly link: boolean },
): Promise<void> {
  // 0700: on the node the stage holds root-owned, possibly setuid content until it is installed
  await mkdir(dir, { mode: 0o700 });
  for (const [name, text] of plan.files) await writeFile(join(dir, name), text, { mode: 0o600 });
  if (plan.contents.length === 0) return;
  for (let i = 0; i < plan.contents.length; i += PARALLEL) {
    await Promise.all(
      plan.contents.slice(i, i + PARALLEL).map(async ({ index, source }) => {
        const to = join(dir, String(index));
        if (typeof source !== 'string') return writeFile(to, source, { mode: 0o600, flag: 'wx' });
        if (options.link) {
          try {
            await link(source, to);
            return;
          } catch {
            // another filesystem, or links not allowed: a copy does as well
          }
        }
        await copyFile(source, to);
      }),
    );
  }
}
