// Chooses between the one-shot run and the daemon. Each is imported on demand: a cron run does not
// load the watcher, and the daemon does not load the dry-run printer (start-up time is part of
// every one-shot run).
import type { CliStreams } from '../cli/run-cli.js';
import type { SyncConfig } from '../config/sync-config.js';

export async function runSync(config: SyncConfig, streams: CliStreams): Promise<number> {
  if (config.once) return (await import('./run-once.js')).runOnce(config, streams);
  return (await import('./run-daemon.js')).runDaemon(config, streams);
}
