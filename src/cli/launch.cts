#!/usr/bin/env node
// The installed clsync-hpc binary. It runs dist/bundle/clsync-hpc.js, the whole CLI in one
// CommonJS file (scripts/bundle.mjs), compiled from the V8 code cache written next to it at build
// time by warm-up runs. A cron run pays ~40 ms less for resolving ~140 ES modules and ~100 ms less
// CPU for compiling them (bench/README.md); on a 2-core admin node that CPU is shared with every
// ssh handshake. A missing cache, or one that V8 rejects (Node upgraded since the build), is
// written after the run from what this run compiled, when the directory is writable.
// CLSYNC_HPC_CODE_CACHE=write makes every run add what it compiled (the build's warm-up runs).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const bundle = join(__dirname, '..', '..', 'bundle', 'clsync-hpc.js');
const cachePath = `${bundle}.v8cache`;

function readCache(): Buffer | undefined {
  try {
    return readFileSync(cachePath);
  } catch {
    return undefined; // no cache: compile from source
  }
}

function rewriteCache(script: Script): void {
  const temp = `${cachePath}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, script.createCachedData());
    renameSync(temp, cachePath);
  } catch {
    // read-only install: run uncached, as before
  }
}

function run(): void {
  if (!existsSync(bundle)) {
    process.stderr.write(`clsync-hpc: internal error: ${bundle} is missing (run npm run build)\n`);
    process.exit(3);
  }
  const cachedData = readCache();
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), {
    filename: bundle,
    ...(cachedData !== undefined && { cachedData }),
  });
  const rewrite = process.env['CLSYNC_HPC_CODE_CACHE'] === 'write';
  if (rewrite || cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => rewriteCache(script));
  }
  const bundleModule = new Module(bundle);
  bundleModule.filename = bundle;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(
    bundleModule.exports,
    bundleModule.exports,
    Module.createRequire(bundle),
    bundleModule,
    bundle,
    dirname(bundle),
  );
}

run();
