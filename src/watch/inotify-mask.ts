// inotify(7) event bits (linux/inotify.h), and the one place that names what a mask means.

export const IN_MODIFY = 0x2;
export const IN_ATTRIB = 0x4;
export const IN_CLOSE_WRITE = 0x8;
export const IN_MOVED_FROM = 0x40;
export const IN_MOVED_TO = 0x80;
export const IN_CREATE = 0x100;
export const IN_DELETE = 0x200;
export const IN_DELETE_SELF = 0x400;
export const IN_MOVE_SELF = 0x800;
export const IN_UNMOUNT = 0x2000;
export const IN_Q_OVERFLOW = 0x4000;
export const IN_IGNORED = 0x8000;
export const IN_ISDIR = 0x40000000;

/**
 * What one inotify event says, in the words the watcher uses. A single event carries exactly one
 * of these (the kernel never merges different event types into one record).
 */
export type EventKind =
  | 'modify'
  | 'close-write'
  | 'attrib'
  | 'create'
  | 'delete'
  | 'moved-from'
  | 'moved-to'
  | 'dir-gone' // the watched directory itself was deleted, moved, unmounted, or its watch removed
  | 'overflow'
  | 'other';

export function eventKind(mask: number): EventKind {
  if (mask & IN_Q_OVERFLOW) return 'overflow';
  if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED)) return 'dir-gone';
  if (mask & IN_CLOSE_WRITE) return 'close-write';
  if (mask & IN_MODIFY) return 'modify';
  if (mask & IN_ATTRIB) return 'attrib';
  if (mask & IN_CREATE) return 'create';
  if (mask & IN_DELETE) return 'delete';
  if (mask & IN_MOVED_FROM) return 'moved-from';
  if (mask & IN_MOVED_TO) return 'moved-to';
  return 'other';
}

export function isDirEvent(mask: number): boolean {
  return (mask & IN_ISDIR) !== 0;
}
