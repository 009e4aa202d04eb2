// Finds and loads native/tree-lister.c's addon, once. It is optional: `npm ci` builds it with
// node-gyp when a C compiler is there (binding.gyp), the bundle carries a copy (scripts/bundle.mjs),
// and without it scans use find(1). CLSYNC_HPC_NATIVE_LISTER=0 turns it off (tests compare both).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the addon's callback gets (native/tree-lister.c describes every array). */
export interface TreeListerResult {
  readonly counts: Int32Array;
  readonly undecodable: Uint32Array;
  readonly paths: Uint8Array;
  readonly ends: Uint32Array;
  readonly fields: Float64Array;
  readonly errors: Int32Array;
  readonly targets: Uint8Array;
}

export interface TreeListerAddon {
  list(
    root: string,
    dirs: readonly string[],
    callback: (error: Error | null, result: TreeListerResult | null) => void,
  ): void;
}

let loaded: TreeListerAddon | null | undefined;

export function loadTreeLister(): TreeListerAddon | undefined {
  if (loaded === undefined) loaded = load() ?? null;
  return loaded ?? undefined;
}

function load(): TreeListerAddon | undefined {
  if (process.env['CLSYNC_HPC_NATIVE_LISTER'] === '0' || process.platform !== 'linux') return undefined;
  const here = dirname(fileURLToPath(import.meta.url));
  const require = createRequire(import.meta.url);
  for (const candidate of candidates(here)) {
    if (!existsSync(candidate)) continue;
    try {
      const addon = require(candidate) as Partial<TreeListerAddon>;
      if (typeof addon.list === 'function') return addon as TreeListerAddon;
    } catch {
      // built for another Node ABI (Node upgraded since npm ci): find(1) does the job
    }
  }
  return undefined;
}

/** The bundle's copy next to it, then node-gyp's output at the package root. */
function candidates(here: string): string[] {
  const found = [join(here, 'tree-lister.node')];
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'binding.gyp'))) {
      found.push(join(dir, 'build', 'Release', 'tree_lister.node'));
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return found;
}
