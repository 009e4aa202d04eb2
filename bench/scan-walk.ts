// The walk candidate of bench/anchors (scenario c): clsync-hpc's own initial scan (scanTree) over a
// tree, with every path permitted, so it is compared with `find -printf` and clsync's walk on the
// same 1,001,000 entries. Prints one line: the entry count first (the harness checks it against
// the tree it made), then what the scan did. Exit 2 on a bad invocation, 1 if the scan failed.
//   node dist/bench/scan-walk.js TREE [--workers N]
import type { PathMatcher } from '../src/rules/types.js';
import { scanTree } from '../src/tree/scan-tree.js';
import type { ScanOptions } from '../src/tree/scan-types.js';

/** Sync, walk and monitor everything: the scan's cost without any rule cost. */
const permitAll: PathMatcher = { decide: () => ({ sync: true, walk: true, monitor: true }) };

function parseArgs(argv: readonly string[]): { tree: string; options: ScanOptions } {
  const usage = 'usage: scan-walk.js TREE [--workers N]';
  const [tree, flag, value, ...rest] = argv;
  if (tree === undefined || tree.startsWith('-') || rest.length > 0) throw new Error(usage);
  if (flag === undefined) return { tree, options: {} };
  const workers = Number(value);
  if (flag !== '--workers' || !Number.isInteger(workers) || workers < 0)
    throw new Error(`${usage} (workers: an integer >= 0)`);
  return { tree, options: { workers } };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`scan-walk: ${(error as Error).message}\n`);
    return 2;
  }
  const { stats, warnings } = await scanTree(args.tree, permitAll, args.options);
  for (const warning of warnings.slice(0, 10)) process.stderr.write(`scan-walk: warning: ${warning}\n`);
  process.stdout.write(
    `${stats.entries} entries, ${stats.dirsWalked} dirs walked, ${stats.filesHashed} files hashed ` +
      `(${stats.bytesHashed} bytes), ${Math.round(stats.durationMs)} ms, listed by ${stats.lister}\n`,
  );
  return 0;
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`scan-walk: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
