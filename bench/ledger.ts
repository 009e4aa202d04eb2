// Micro-benchmark of the ledger at cluster scale: HOSTS hosts x PATHS paths through a few push
// rounds (plan, markInFlight, recordResults with some hosts failing), then a reopen, printing
// time per step, RSS (current and peak) and the state dir's size.
//
//   npm run build && node dist/bench/ledger.js [--hosts 10000] [--paths 2000]
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import type { LedgerResult } from '../src/ledger/ledger-types.js';
import { applyChanges } from '../src/plan/apply-changes.js';
import { planHosts } from '../src/plan/plan-hosts.js';
import { snapshotFromEntries } from '../src/tree/snapshot.js';
import type { Snapshot, TreeEntry } from '../src/types.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const HOSTS = option('hosts', 10_000);
const PATHS = option('paths', 2000);

function tree(version: number): Snapshot {
  const entries: TreeEntry[] = [];
  const dirs = Math.max(1, Math.floor(PATHS / 20));
  for (let d = 0; d < dirs; d++)
    entries.push({ path: `conf${d}.d`, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0 });
  for (let i = 0; entries.length < PATHS; i++) {
    // Every version changes 1% of the files.
    const changed = i % 100 < version;
    entries.push({
      path: `conf${i % dirs}.d/file${i}.conf`,
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: 100,
      mtimeMs: 1_700_000_000_000 + (changed ? version : 0),
      hash: (changed ? `${version}` : '0').padStart(64, 'a'),
    });
  }
  return snapshotFromEntries(entries);
}

function memory(): string {
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name: string): string => new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? '0';
  return `RSS ${Math.round(Number(field('VmRSS')) / 1024)} MB (peak ${Math.round(Number(field('VmHWM')) / 1024)} MB), heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`;
}

function dirSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
    files++;
  }
  return { bytes, files };
}

async function step<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  process.stdout.write(
    `${label.padEnd(52)} ${String(Math.round(performance.now() - started)).padStart(6)} ms   ${memory()}\n`,
  );
  return result;
}

async function round(
  ledger: Ledger,
  hosts: string[],
  want: Snapshot,
  failEvery: number,
  label: string,
): Promise<void> {
  const plans = await step(`${label}: planHosts`, () => planHosts(ledger, hosts, want, { noDelete: false }));
  for (const plan of plans) {
    if (plan.changes.length === 0) continue;
    const paths = plan.changes.map((c) => c.path);
    await step(`${label}: markInFlight ${plan.hosts.length} hosts x ${paths.length} paths`, () =>
      ledger.markInFlight(plan.hosts, paths),
    );
    const base = await ledger.manifest(plan.baseManifestId);
    const next = applyChanges(base, plan.changes);
    const at = Date.now();
    const results: LedgerResult[] = plan.hosts.map((host, i) =>
      failEvery > 0 && i % failEvery === 0
        ? { host, ok: false, error: { class: 'unreachable', message: 'connect ECONNREFUSED' }, at }
        : { host, ok: true, manifest: next, at },
    );
    await step(`${label}: recordResults (${plans.length} group(s))`, () => ledger.recordResults(results));
  }
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'clsync-ledger-bench-'));
  const hosts = Array.from({ length: HOSTS }, (_, i) => `node${String(i).padStart(5, '0')}`);
  process.stdout.write(`${HOSTS} hosts x ${PATHS} paths, state dir ${stateDir}\nstart: ${memory()}\n`);
  try {
    const ledger = await Ledger.open(stateDir, 'bench');
    await round(ledger, hosts, tree(0), 0, 'initial sync');
    await round(ledger, hosts, tree(1), 10, 'change 1% (10% of hosts fail)');
    await round(ledger, hosts, tree(2), 0, 'change 1% again (failed hosts retried)');
    await ledger.close();
    const reopened = await step('reopen (load hosts.json)', () => Ledger.open(stateDir, 'bench'));
    await step('planHosts after reopen (reads manifests)', () =>
      planHosts(reopened, hosts, tree(2), { noDelete: false }),
    );
    await reopened.close();
    const size = dirSize(stateDir);
    process.stdout.write(
      `state dir: ${(size.bytes / 1e6).toFixed(2)} MB in ${size.files} files; end: ${memory()}\n`,
    );
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`ledger bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
