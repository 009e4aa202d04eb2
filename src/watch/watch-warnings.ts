// Warning texts for directories that cannot be watched: they name the directory, the errno and,
// for limits, the sysctl to raise with its current value.
import { readFileSync } from 'node:fs';
import { printablePath } from '../cli/log.js';

/** Current value of fs.inotify.<name>, or '?' where /proc is not readable. */
export function sysctl(name: 'max_queued_events' | 'max_user_watches' | 'max_user_instances'): string {
  try {
    return readFileSync(`/proc/sys/fs/inotify/${name}`, 'utf8').trim();
  } catch {
    return '?';
  }
}

function shown(dir: string): string {
  return dir === '' ? '(the root)' : printablePath(dir);
}

function listOf(dirs: readonly string[]): string {
  const first = dirs.slice(0, 3).map(shown).join(', ');
  return dirs.length > 3 ? `${first} and ${dirs.length - 3} more directories` : first;
}

export function describeUnwatched(unwatched: ReadonlyMap<string, string>, rescanPeriodMs: number): string {
  const limited = [...unwatched]
    .filter(([, code]) => code === 'ENOSPC' || code === 'ENOMEM')
    .map(([dir]) => dir);
  const other = [...unwatched].filter(([, code]) => code !== 'ENOSPC' && code !== 'ENOMEM');
  const after = `changes there are found only by a full rescan every ${rescanPeriodMs / 1000} s until they are watched`;
  const parts: string[] = [];
  if (limited.length > 0) {
    parts.push(
      `inotify watch limit reached (fs.inotify.max_user_watches=${sysctl('max_user_watches')}): ` +
        `cannot watch ${listOf(limited)}; raise fs.inotify.max_user_watches`,
    );
  }
  for (const [dir, code] of other.slice(0, 3)) parts.push(`cannot watch ${shown(dir)}: ${code}`);
  if (other.length > 3) parts.push(`and ${other.length - 3} more directories cannot be watched`);
  return `${parts.join('; ')}; ${after}`;
}

export function describeUnreadable(unreadable: ReadonlyMap<string, string>): string {
  const listed = [...unreadable].slice(0, 3).map(([dir, code]) => `${shown(dir)}: ${code}`);
  const more = unreadable.size > 3 ? ` and ${unreadable.size - 3} more` : '';
  return `cannot list directory ${listed.join(', ')}${more}: its subdirectories are not watched`;
}
