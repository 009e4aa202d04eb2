// scripts/bundle.mjs - run by `npm run build` after tsc: the CLI as one CommonJS file plus its
// V8 code cache, which is what the installed binary runs (src/cli/launch.cts says why).
//   dist/bundle/clsync-hpc.js          dist/src/cli/main.js and everything it imports (ssh2, execa…)
//   dist/bundle/stat-worker.js         the scan's worker thread (stat-pool.ts starts it by URL)
//   dist/bundle/*.node                 ssh2's native crypto and cpu-features, copied
//   dist/bundle/clsync-hpc.js.v8cache  every function compiled eagerly, then serialized
//   dist/bundle/package.json           {"type": "commonjs"}: the .js files here are CommonJS
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: {
    'clsync-hpc': join(root, 'dist/src/cli/main.js'),
    'stat-worker': join(root, 'dist/src/tree/stat-worker.js'),
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outdir: out,
  // ssh2 loads its native crypto with require('./crypto/build/Release/sshcrypto.node')
  loader: { '.node': 'copy' },
  // stat-pool.ts and version.ts find their neighbours from import.meta.url
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: 'var __bundle_url = require("node:url").pathToFileURL(__filename).href;' },
  // import.meta.resolve is only reached when running the TypeScript sources under tsx
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
  legalComments: 'none',
});
writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n');

// Eager compilation, so that the cache holds every function and not just the top levels; the flag
// is restored before serializing because V8 rejects a cache made under other flags.
const bundle = join(out, 'clsync-hpc.js');
setFlagsFromString('--no-lazy');
const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle });
setFlagsFromString('--lazy');
writeFileSync(`${bundle}.v8cache`, script.createCachedData());
