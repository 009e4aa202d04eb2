// The pdcp transport: two rounds per batch, whatever the number of files or hosts.
//   1. pdcp -r copies one stage directory (.clsync-hpc.<batch>.<nonce>: content files named by
//      number, a manifest, the fixed apply.sh) into remoteTmp on every host: one connection per
//      host, no file name on any command line.
//   2. pdsh runs `sh <remoteTmp>/<stage>/apply.sh` on the hosts that got the stage; the script
//      checks sha256s, installs through temp names and rename, and prints one result line.
// A host is ok only when it printed the OK line: pdcp and pdsh exit 0 when hosts fail, so
// failures come from their stderr (parse-pdcp-line.ts). See docs/transports.md.
import { TransportError } from '../../errors.js';
import type { Batch, ConnectionSettings, HostResult, PushOptions, Transport } from '../../types.js';
import { normalizeRemoteDir } from '../shared/safe-words.js';
import { checkPdcpAvailable } from './check-pdcp-available.js';
import { pushBatch } from './push-batch.js';

export { checkPdcpAvailable } from './check-pdcp-available.js';

export interface PdcpTransportOptions {
  /** Local pdcp (default: `pdcp` on PATH). The node runs pdcp at this same path unless remotePdcpPath is set. */
  readonly pdcpPath?: string;
  /** Local pdsh (default: `pdsh` on PATH). */
  readonly pdshPath?: string;
  /** pdcp on the nodes (`pdcp -e`). */
  readonly remotePdcpPath?: string;
  /** Where the stage directory goes on the nodes (default /tmp). */
  readonly remoteTmp?: string;
  /** Local scratch for each push (push-batch.ts makeWorkDir): the job's stage dir; default TMPDIR. */
  readonly workRoot?: string;
  /** The job's tag (transport/index.ts tempTagFor), in the remote stage's name (push-batch.ts). */
  readonly jobTag?: string;
}

export function createPdcpTransport(
  settings: ConnectionSettings,
  options: PdcpTransportOptions = {},
): Transport {
  const remoteTmp = normalizeRemoteDir(options.remoteTmp ?? '/tmp');
  const pdcp = options.pdcpPath ?? 'pdcp';
  const pdsh = options.pdshPath ?? 'pdsh';
  let available: Promise<string | undefined> | undefined;
  return {
    name: 'pdcp',
    async push(batch: Batch, hosts: readonly string[], push: PushOptions): Promise<HostResult[]> {
      const missing = await (available ??= checkPdcpAvailable({ pdcpPath: pdcp, pdshPath: pdsh }));
      if (missing !== undefined) throw new TransportError(`pdcp transport: ${missing}`);
      return pushBatch(
        {
          settings,
          remoteTmp,
          pdcp,
          pdsh,
          ...(options.remotePdcpPath !== undefined ? { remotePdcpPath: options.remotePdcpPath } : {}),
          ...(options.workRoot !== undefined ? { workRoot: options.workRoot } : {}),
          ...(options.jobTag !== undefined ? { jobTag: options.jobTag } : {}),
        },
        batch,
        hosts,
        push,
      );
    },
    async close(): Promise<void> {},
  };
}
