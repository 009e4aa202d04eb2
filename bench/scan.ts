// Micro-benchmark of the initial scan: scanTree (every path permitted) against `find -printf
// '%s %T@ %p\n'` (one stat per entry) and plain `find` (d_type only) on the same tree, each run
// in a fresh process, alternating, so that a busy machine hurts every walker alike.
//
//   npm run build && node dist/bench/scan.js [--tree DIR | --dirs 1000 --files 1000] [--runs 3] [--workers N]
//
// Without --tree it builds DIRS x FILES empty files under /dev/shm (tmpfs, like the anchors'
// scenario c) or $TMPDIR, and removes them afterwards. Prints one line per run and the medians:
// wall time of the whole process, the scan's own durationMs, and CPU time (user + sys), which on
// a machine shared with other work is the steadier figure.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PathMatcher } from '../src/rules/types.js';
import { scanTree } from '../src/tree/scan-tree.js';

const permitAll: PathMatcher = { decide: () => ({ sync: true, walk: true, monitor: true }) };

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly scanMs?: number;
  readonly entries?: number;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** Child mode: one scan, then a JSON line with what it did and the process's CPU time. */
async function scanOnce(tree: string, workers: string): Promise<void> {
  const options = workers === 'auto' ? {} : { workers: Number(workers) };
  const { stats } = await scanTree(tree, permitAll, options);
  const cpu = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({ scanMs: stats.durationMs, entries: stats.entries, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function buildTree(dirs: number, files: number): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const root = mkdtempSync(join(base, 'clsync-scan-bench-'));
  for (let d = 0; d < dirs; d++) {
    const dir = join(root, `d${String(d).padStart(4, '0')}`);
    mkdirSync(dir);
    for (let f = 0; f < files; f++) closeSync(openSync(join(dir, `f${String(f).padStart(6, '0')}`), 'w'));
  }
  return root;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--scan-once')
    return scanOnce(process.argv[3] as string, process.argv[4] ?? 'auto');
  const runs = Number(option('runs', '3'));
  const workers = option('workers', 'auto');
  const given = option('tree', '');
  const dirs = Number(option('dirs', '1000'));
  const files = Number(option('files', '1000'));
  let tree = given;
  if (given === '') {
    process.stderr.write(`building ${dirs} x ${files} empty files...\n`);
    tree = buildTree(dirs, files);
  }
  const self = fileURLToPath(import.meta.url);
  const rows: Record<string, Run[]> = { 'find -printf': [], find: [], scanTree: [] };
  try {
    for (let run = 0; run <= runs; run++) {
      // Run 0 warms the page and dentry caches and is not counted.
      const findPrintf = await timedWithCpu('find', [tree, '-printf', '%s %T@ %p\n']);
      const findPlain = await timedWithCpu('find', [tree]);
      const scan = await timedWithCpu(process.execPath, [self, '--scan-once', tree, workers], true);
      const parsed = JSON.parse(scan.stdout.trim().split('\n').pop() ?? '{}') as {
        scanMs: number;
        entries: number;
      };
      if (run === 0) continue;
      rows['find -printf']?.push(findPrintf);
      rows.find?.push(findPlain);
      rows.scanTree?.push({ ...scan, scanMs: parsed.scanMs, entries: parsed.entries });
      process.stdout.write(
        `run ${run}: find -printf ${fmt(findPrintf)} | find ${fmt(findPlain)} | scanTree ${fmt(scan)} (scan ${Math.round(parsed.scanMs)} ms, ${parsed.entries} entries)\n`,
      );
    }
  } finally {
    if (given === '') rmSync(tree, { recursive: true, force: true });
  }
  const ref = median((rows['find -printf'] ?? []).map((r) => r.wallMs));
  process.stdout.write(
    `\nmedians over ${runs} runs (workers: ${workers}), tree ${given === '' ? `${dirs} x ${files}` : given}:\n`,
  );
  for (const [name, list] of Object.entries(rows)) {
    const wall = median(list.map((r) => r.wallMs));
    const cpu = median(list.map((r) => r.cpuMs));
    const scan =
      list[0]?.scanMs !== undefined
        ? `, in-process ${Math.round(median(list.map((r) => r.scanMs ?? 0)))} ms`
        : '';
    process.stdout.write(
      `  ${name.padEnd(13)} wall ${Math.round(wall)} ms (x${(wall / ref).toFixed(2)} find -printf), cpu ${Math.round(cpu)} ms${scan}\n`,
    );
  }
}

function fmt(run: Run): string {
  return `${Math.round(run.wallMs)} ms wall / ${Math.round(run.cpuMs)} ms cpu`;
}

/** Wall time, and the child's CPU time (user + sys) as /usr/bin/time reports it. */
function timedWithCpu(
  command: string,
  args: readonly string[],
  keepOutput = false,
): Promise<Run & { stdout: string }> {
  const marker = '@@cpu ';
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', `${marker}%U %S`, command, ...args], {
      stdio: ['ignore', keepOutput ? 'pipe' : 'ignore', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // find's output goes to /dev/null (as in the anchors); the scan child prints one JSON line.
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const line = stderr.split('\n').find((l) => l.startsWith(marker));
      if (code !== 0 || line === undefined)
        return reject(new Error(`${args.join(' ')}: exit ${code}\n${stderr}`));
      const [user, sys] = line.slice(marker.length).split(' ').map(Number);
      resolve({ wallMs, cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000, stdout });
    });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`scan bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
