// The state directory name of one sync job: readable (label first) and unique (a hash of what
// identifies the job), safe as a single path component whatever the label contains.
import { createHash } from 'node:crypto';
import { posix, resolve } from 'node:path';

export function jobKey(label: string, watchDir: string, destDir: string): string {
  const identity = JSON.stringify([label, resolve(watchDir), normalizeDest(destDir)]);
  const digest = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  const slug = label
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.]+/, '_')
    .slice(0, 40);
  return `${slug === '' ? 'job' : slug}-${digest}`;
}

/** '/srv/etc/' and '/srv//etc' are the same destination. */
function normalizeDest(destDir: string): string {
  const normal = posix.normalize(destDir);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}
