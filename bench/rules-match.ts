// Rule matching cost: 1,000,000 decide() calls on rules/etc-common.rules (the clsync-style example,
// ~25 rules ending in -*) and on rules/etc-common-globs.rules, over a realistic mix of /etc paths
// (permitted files, excluded files, built-in excludes, directories needing the auto-walk check).
// Not a test: prints ns/decision. Run: node --import tsx bench/rules-match.ts
//                                  or: npm run build && node dist/bench/rules-match.js
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../src/rules/load-rules.js';
import type { EntryType } from '../src/types.js';

const CALLS = 1_000_000;

const SAMPLE: readonly (readonly [string, EntryType])[] = [
  ['passwd', 'file'],
  ['shadow', 'file'],
  ['passwd-', 'file'],
  ['motd', 'file'],
  ['hosts', 'file'],
  ['localtime', 'symlink'],
  ['ssh', 'dir'],
  ['ssh/sshd_config', 'file'],
  ['ssh/ssh_host_ed25519_key', 'file'],
  ['ssh/sshd_config.d/50-cloud-init.conf', 'file'],
  ['slurm', 'dir'],
  ['slurm/slurm.conf', 'file'],
  ['slurm/slurmdbd.conf', 'file'],
  ['munge/munge.key', 'file'],
  ['sudoers.d/hpc-admins', 'file'],
  ['systemd/system/multi-user.target.wants/sshd.service', 'symlink'],
  ['systemd/system', 'dir'],
  ['security/limits.d/90-nproc.conf', 'file'],
  ['X11/xorg.conf.d', 'dir'],
  ['.passwd.swp', 'file'],
];

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above bench/');
    dir = parent;
  }
  return dir;
}

async function bench(file: string): Promise<void> {
  const matcher = await loadRules(join(repoRoot(), 'rules', file), { defaultExcludes: true });
  let permitted = 0;
  for (let i = 0; i < 100_000; i++) {
    const [path, type] = SAMPLE[i % SAMPLE.length] as readonly [string, EntryType];
    if (matcher.decide(path, type).sync) permitted++; // warm-up (JIT)
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    const [path, type] = SAMPLE[i % SAMPLE.length] as readonly [string, EntryType];
    if (matcher.decide(path, type).sync) permitted++;
  }
  const ns = Number(process.hrtime.bigint() - start) / CALLS;
  console.log(
    `${file.padEnd(24)} ${matcher.rules.length} rules  ${ns.toFixed(0)} ns/decision  (${permitted} permitted)`,
  );
}

await bench('etc-common.rules');
await bench('etc-common-globs.rules');
