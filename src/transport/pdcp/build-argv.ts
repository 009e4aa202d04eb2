// argv for the three pdsh/pdcp invocations of one push (pure; cf. ClusterShell's _build_cmd).
// Hosts always come from a file (`-w ^file`): any number of hosts stays under ARG_MAX, and
// file names never appear anywhere: the stage is one directory, the remote command fixed words.

export interface RoundSettings {
  /** File with one host per line. */
  readonly hostsFile: string;
  readonly fanout: number;
  readonly connectTimeoutMs: number;
  readonly operationTimeoutMs: number;
}

/** pdsh takes whole seconds; never 0 (pdsh reads 0 as "no timeout"). */
export function toSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

function common(round: RoundSettings): string[] {
  // -b (batch mode): one SIGINT stops pdsh and its ssh children
  const options: [string, string?][] = [
    ['-R', 'ssh'],
    ['-b'],
    ['-t', toSeconds(round.connectTimeoutMs)],
    ['-u', toSeconds(round.operationTimeoutMs)],
    ['-f', String(Math.max(1, Math.floor(round.fanout)))],
    ['-w', `^${round.hostsFile}`],
  ];
  return options.flatMap(([flag, value]) => (value === undefined ? [flag] : [flag, value]));
}

/** Round 1: copy the stage directory (recursive, modes and mtimes kept) into remoteTmp. */
export function buildPdcpArgv(
  round: RoundSettings,
  localStage: string,
  remoteTmp: string,
  remotePdcpPath?: string,
): string[] {
  return [
    ...common(round),
    '-r',
    '-p',
    ...(remotePdcpPath !== undefined ? ['-e', remotePdcpPath] : []),
    localStage,
    remoteTmp,
  ];
}

/** Round 2: run the fixed script from the stage; only safe, fixed words reach the node's shell. */
export function buildApplyArgv(round: RoundSettings, remoteStage: string): string[] {
  return [...common(round), 'sh', `${remoteStage}/apply.sh`];
}

/** Remove a stage that pdcp left half-copied (the script, which would clean it, never ran). */
export function buildCleanupArgv(round: RoundSettings, remoteStage: string): string[] {
  return [...common(round), 'rm', '-rf', '--', remoteStage];
}
