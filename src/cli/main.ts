// Entry point of the clsync-hpc CLI: all logic lives in run-cli.ts. No top-level await: this
// module is also the entry of the single-file CommonJS bundle that the installed binary runs
// (scripts/bundle.mjs, launch.cts).
import { runCli } from './run-cli.js';

// `clsync-hpc --help | head` closes our stdout early: that is the reader's choice, not an error
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

void runCli(process.argv.slice(2), {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
}).then((status) => {
  process.exitCode = status;
});
