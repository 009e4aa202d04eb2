#!/usr/bin/env node
// Entry point of the clsync-hpc binary: all logic lives in run-cli.ts.
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
});
