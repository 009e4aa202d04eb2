// Which Python runs the inotify helper. Never the PATH: on admin nodes `python3` is often a pyenv or
// conda shim (slow start, other stdlib, may vanish with a user's shell setup); the system
// interpreter is where the distribution put it.
import { accessSync, constants } from 'node:fs';

export const SYSTEM_PYTHONS: readonly string[] = [
  '/usr/bin/python3',
  '/usr/libexec/platform-python', // RHEL/Rocky 8: the only python3 on a minimal install
  '/usr/local/bin/python3',
];

/** The first executable interpreter of `candidates`, or undefined. */
export function findSystemPython(candidates: readonly string[] = SYSTEM_PYTHONS): string | undefined {
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}
