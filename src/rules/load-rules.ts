// The I/O edge of the rules engine: read a rules file, parse, compile. No file = permit
// everything (clsync without -R), still behind the built-in safety excludes.
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { compileRules, type CompileOptions, type CompiledRules } from './compile-rules.js';
import { parseRules } from './parse-rules.js';

export async function loadRules(file: string | undefined, options: CompileOptions): Promise<CompiledRules> {
  if (file === undefined) return compileRules([], options);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read rules file ${file}: ${readFailureReason(error)}`, { cause: error });
  }
  return compileRules(parseRules(text, file), options);
}

function readFailureReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
