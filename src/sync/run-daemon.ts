// The daemon's process edge: inputs, pid/status files, signals, clean shutdown.
//   SIGTERM/SIGINT  stop: the running batch is abandoned safely (intent is in the ledger; what was
//                   half-pushed is resent next time; nodes only ever see whole files), then exit
//   SIGHUP          reload rules and host list (new hosts get a full sync, removed ones are dropped)
//   SIGUSR2         full resync: every host gets the whole tree again
import { join } from 'node:path';
import { createLogger } from '../cli/log.js';
import type { CliStreams } from '../cli/run-cli.js';
import type { SyncConfig } from '../config/sync-config.js';
import { loadHosts } from '../hosts/load-hosts.js';
import { jobKey } from '../ledger/job-key.js';
import { Ledger } from '../ledger/ledger.js';
import { loadRules } from '../rules/load-rules.js';
import { HashCache } from '../tree/hash-cache.js';
import { closeTransports, createTransports, describeTransports } from '../transport/index.js';
import { Daemon } from './daemon.js';
import { removeStaleStages, stageRootOf } from '../stage/stage-batch.js';
import { removePidFile, StatusFile, writePidFile } from './status-file.js';

export async function runDaemon(config: SyncConfig, streams: CliStreams): Promise<number> {
  const log = createLogger(
    config.verbosity,
    streams.stderr,
    config.label === 'default' ? undefined : config.label,
  );
  const status = new StatusFile(config.statusFile);
  const loadInputs = async () => ({
    matcher: await loadRules(config.rulesFile, { defaultExcludes: config.defaultExcludes }),
    hosts: await loadHosts({
      files: config.hostsFiles,
      inline: config.hostExprs,
      exclude: config.excludeExprs,
    }),
  });
  const inputs = await loadInputs(); // bad rules or hosts: exit 2 before anything starts
  const transports = await createTransports(config, true);
  const ledger = await Ledger.open(config.stateDir, jobKey(config.label, config.watchDir, config.destDir));
  await removeStaleStages(stageRootOf(ledger.dir)); // we hold the job's lock
  await writePidFile(config.pidFile);
  await status.set('starting');
  const hashCacheFile = join(ledger.dir, 'scan-cache.json');
  const daemon = new Daemon({
    config,
    log,
    ledger,
    transports,
    status,
    hashCache: await HashCache.load(hashCacheFile),
    hashCacheFile,
    stageRoot: stageRootOf(ledger.dir),
    reload: loadInputs,
    matcher: inputs.matcher,
    hosts: inputs.hosts,
  });
  log.info(
    `starting: ${config.watchDir} → ${config.destDir} on ${inputs.hosts.length} host(s) via ${describeTransports(transports)}`,
  );

  let stoppedBy: NodeJS.Signals | undefined;
  const onStop = (signal: NodeJS.Signals) => {
    if (stoppedBy !== undefined) return;
    stoppedBy = signal;
    log.info(`${signal}: stopping`);
    daemon.stop();
  };
  const onHup = () => daemon.requestReload();
  const onUsr2 = () => daemon.requestFullResync();
  process.on('SIGTERM', onStop).on('SIGINT', onStop).on('SIGHUP', onHup).on('SIGUSR2', onUsr2);
  try {
    const exitStatus = await daemon.run();
    log.info('stopped');
    return exitStatus;
  } finally {
    process.off('SIGTERM', onStop).off('SIGINT', onStop).off('SIGHUP', onHup).off('SIGUSR2', onUsr2);
    await status.set('exiting');
    await daemon.close();
    await closeTransports(transports);
    await ledger.close();
    await status.remove();
    await removePidFile(config.pidFile);
  }
}
