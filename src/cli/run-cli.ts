// Runs the CLI with explicit streams and returns the exit status (main.ts only sets it), so the
// whole command line is testable in-process as well as through the real binary.
import { exitForError } from './exit-status.js';
import { buildProgram } from './program.js';
import { runSync } from '../sync/run-sync.js';

export interface CliStreams {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

export async function runCli(argv: readonly string[], streams: CliStreams): Promise<number> {
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  const program = buildProgram(
    {
      sync: (config) => runSync(config, streams),
      rulesCheck: async (args) => (await import('./rules-check.js')).runRulesCheck(args, streams),
    },
    streams,
  );
  try {
    await program.parseAsync([...argv], { from: 'user' });
    const status: unknown = program.getOptionValue('exitStatus');
    return typeof status === 'number' ? status : 0;
  } catch (error) {
    const decision = exitForError(error, verbose);
    if (decision.message !== undefined) streams.stderr(`clsync-hpc: ${decision.message}\n`);
    return decision.status;
  }
}
