#!/usr/bin/env node
// Entry point of the clsync-hpc binary: all logic lives in run-cli.ts.
import { runCli } from './run-cli.js';

// `clsync-hpc --help | head` closes our stdout early: that is the reader's choice, not an error
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
});
