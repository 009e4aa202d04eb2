// Chooses between the one-shot run and the daemon.
import type { CliStreams } from '../cli/run-cli.js';
import type { SyncConfig } from '../config/sync-config.js';
import { runDaemon } from './run-daemon.js';
import { runOnce } from './run-once.js';

export function runSync(config: SyncConfig, streams: CliStreams): Promise<number> {
  return config.once ? runOnce(config, streams) : runDaemon(config, streams);
}
