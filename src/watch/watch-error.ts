// The watcher cannot start at all (no system python, inotify instance limit, root not a directory).
// Problems after start are not thrown: they reach the daemon as warnings plus a full-rescan hint.
import { ClsyncError } from '../errors.js';

export class WatchError extends ClsyncError {
  override name = 'WatchError';
  override readonly code = 'ERR_WATCH';
}
