// The package version, read once from package.json (kept in one place). Walks up from this module
// to the first package.json that has a version, so that it works from src/ (tsx), dist/src/ (built)
// and dist/bundle/ (whose own package.json only says "commonjs").
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findVersion(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const { version } = JSON.parse(readFileSync(candidate, 'utf8')) as { version?: unknown };
      if (typeof version === 'string') return version;
    }
    if (dirname(dir) === dir) throw new Error('package.json with a version not found');
  }
}

export const version: string = findVersion(dirname(fileURLToPath(import.meta.url)));
