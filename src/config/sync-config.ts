// The validated settings of one clsync-hpc job, as the CLI hands them to the sync layer.
// Plain data: every layer below reads it, none of them parses argv.

export type TransportChoice = 'pdcp' | 'ssh' | 'auto' | 'local';
export type Verbosity = 'quiet' | 'normal' | 'verbose';

export interface SyncConfig {
  /** Absolute, real path of the source tree. */
  readonly watchDir: string;
  /** Absolute destination root on the nodes. */
  readonly destDir: string;
  readonly rulesFile?: string;
  readonly defaultExcludes: boolean;
  readonly hostsFiles: readonly string[];
  readonly hostExprs: readonly string[];
  readonly excludeExprs: readonly string[];
  readonly once: boolean;
  readonly dryRun: boolean;
  readonly transport: TransportChoice;
  /** --transport local: each host is the directory <localRoot>/<host>. */
  readonly localRoot?: string;
  readonly fanout: number;
  readonly connectTimeoutMs: number;
  readonly operationTimeoutMs: number;
  readonly retries: number;
  readonly sshConfigFile?: string;
  readonly identityFiles: readonly string[];
  readonly knownHostsFile?: string;
  readonly acceptNewHostKeys: boolean;
  readonly user: string;
  readonly remoteTmp: string;
  readonly stateDir: string;
  readonly reportFile?: string;
  readonly noDelete: boolean;
  /** Send everything to hosts with no ledger record, even what they already have (no quick check). */
  readonly ignoreTimes: boolean;
  readonly label: string;
  readonly verbosity: Verbosity;
  // watch mode
  readonly delayCollectMs: number;
  readonly delaySyncMs: number;
  readonly thresholdBigfile: number;
  readonly delayCollectBigfileMs: number;
  readonly exitOnNoEvents: boolean;
  readonly statusFile?: string;
  readonly pidFile?: string;
}
