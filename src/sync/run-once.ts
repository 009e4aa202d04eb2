// --once (cron) and --dry-run: load and validate every input before touching anything, scan,
// plan against the ledger, push, summarise, report. Returns the exit status.
import { join } from 'node:path';
import { createLogger, type Logger } from '../cli/log.js';
import type { CliStreams } from '../cli/run-cli.js';
import { EXIT_HOSTS_FAILED, EXIT_OK } from '../cli/exit-status.js';
import type { SyncConfig } from '../config/sync-config.js';
import { ONE_SHOT_RETRY } from '../fanout/retry-policy.js';
import { foldHostlist } from '../hosts/fold-hostlist.js';
import { loadHosts } from '../hosts/load-hosts.js';
import { jobKey } from '../ledger/job-key.js';
import { Ledger } from '../ledger/ledger.js';
import { formatPlan, type PlanGroupView } from '../report/format-plan.js';
import { createProgress, withHeartbeat } from '../report/progress.js';
import { buildRunReport } from '../report/run-report.js';
import { summarizeHosts } from '../report/summarize-hosts.js';
import { loadRules } from '../rules/load-rules.js';
import { HashCache } from '../tree/hash-cache.js';
import { scanTree } from '../tree/scan-tree.js';
import { closeTransports, createTransports, describeTransports } from '../transport/index.js';
import type { Transports } from './sync-hosts.js';
import { syncHosts, type SyncHostsDeps } from './sync-hosts.js';
import { removeStaleStages, stageRootOf } from '../stage/stage-batch.js';
import { stopOnSignal } from './stop-on-signal.js';
import { writeReport } from './write-report.js';

export async function runOnce(config: SyncConfig, streams: CliStreams): Promise<number> {
  const startedAt = new Date();
  const log = createLogger(
    config.verbosity,
    streams.stderr,
    config.label === 'default' ? undefined : config.label,
  );
  // inputs first: a typo in rules or hosts must stop us before any node is contacted (exit 2)
  const matcher = await loadRules(config.rulesFile, { defaultExcludes: config.defaultExcludes });
  const hosts = await loadHosts({
    files: config.hostsFiles,
    inline: config.hostExprs,
    exclude: config.excludeExprs,
  });
  const transports: Transports | undefined = config.dryRun
    ? undefined
    : await createTransports(config, false);
  const stop = stopOnSignal((signal) =>
    log.warn(
      `${signal}: stopping (hosts that do not finish get this batch on the next run; again to exit now)`,
    ),
  );
  let ledger: Ledger | undefined;
  try {
    ledger = await Ledger.open(config.stateDir, jobKey(config.label, config.watchDir, config.destDir), {
      readOnly: config.dryRun,
    });
    if (!config.dryRun) await removeStaleStages(stageRootOf(ledger.dir)); // we hold the job's lock
    const cacheFile = join(ledger.dir, 'scan-cache.json');
    const hashCache = await HashCache.load(cacheFile);
    const scan = await scanTree(config.watchDir, matcher, { hashCache });
    for (const warning of scan.warnings) log.warn(warning);
    const cacheWarning = config.dryRun ? undefined : await hashCache.trySave(cacheFile);
    if (cacheWarning !== undefined) log.warn(cacheWarning);
    log.verbose(
      `scanned ${config.watchDir}: ${scan.snapshot.size} entries, ${scan.stats.filesHashed} hashed, ${Math.round(scan.stats.durationMs)} ms` +
        (scan.stats.lister === 'thread'
          ? ''
          : ` (listed by ${scan.stats.lister === 'native' ? 'the native lister' : 'find(1)'})`),
    );

    const planView: PlanGroupView[] = [];
    const progress = createProgress({
      total: hosts.length,
      intervalMs: 2000,
      minHosts: 16,
      heartbeatMs: 15_000,
      now: Date.now,
      write: (line) => log.info(line),
    });
    const deps: SyncHostsDeps = {
      watchDir: config.watchDir,
      destDir: config.destDir,
      noDelete: config.noDelete,
      quickCheck: !config.ignoreTimes,
      dryRun: config.dryRun,
      ledger,
      transports: transports ?? neverUsed,
      stageRoot: stageRootOf(ledger.dir),
      fanout: config.fanout,
      retries: config.retries,
      policy: ONE_SHOT_RETRY,
      signal: stop.signal,
      log: (m) => log.info(m),
      onHostDone: (result) => progress.hostDone(result),
      onChangeApplied: () => progress.changeApplied(),
      onPlan: (plan) => {
        if (plan.changes.length > 0 && !config.dryRun) {
          progress.planned(plan.changes.length, plan.hosts.length);
          log.info(
            `${plan.changes.length} change(s) → ${foldHostlist(plan.hosts)} via ${describeTransports(transports ?? neverUsed)}`,
          );
        }
        planView.push({
          hosts: foldHostlist(plan.hosts),
          hostCount: plan.hosts.length,
          neverSynced: plan.baseManifestId === null,
          changes: plan.changes,
        });
      },
    };
    const round = await withHeartbeat(progress, () => syncHosts(deps, hosts, scan.snapshot));

    if (config.dryRun) {
      const printPlan = config.reportFile === '-' ? streams.stderr : streams.stdout;
      for (const line of formatPlan(planView, config.destDir)) printPlan(`${line}\n`);
    }
    const summary = summarizeHosts(round.hosts);
    const failed = round.hosts.some((h) => h.status === 'failed');
    for (const line of summary) (failed ? log.warn : log.info)(line);
    const report = buildRunReport({
      dryRun: config.dryRun,
      label: config.label,
      transport: transports !== undefined ? describeTransports(transports) : config.transport,
      startedAt,
      finishedAt: new Date(),
      changes: round.changes,
      hosts: round.hosts,
    });
    if (config.reportFile !== undefined) await writeReport(config.reportFile, report, streams);
    return stop.exitStatus() ?? (failed ? EXIT_HOSTS_FAILED : EXIT_OK);
  } finally {
    await ledger?.close();
    await closeTransports(transports);
    stop.dispose();
  }
}

// dry runs plan only; a push attempt with this transport is a bug, not a node failure
const neverUsed: Transports = {
  primary: {
    name: 'local',
    push: () => Promise.reject(new Error('dry run: no transport')),
    close: () => Promise.resolve(),
  },
};

export type { Logger };
