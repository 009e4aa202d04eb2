// Transport registry: a name → a factory (cf. ClusterShell WORKER_CLASS, pdsh modules).
// `auto`, one-shot: pdcp when pdcp and pdsh are installed here, with ssh as the per-host fallback
// for nodes that lack pdcp; without pdcp, ssh alone.
// `auto`, daemon: ssh with kept connections first (measured: 16–32 ms change-to-delivered at 8–32
// nodes against 0.5–1.4 s for two pdcp/pdsh rounds per batch), pdcp as the per-host fallback for
// nodes whose sshd has no usable SFTP subsystem.
// Transports are loaded on their first push (lazy-transport.ts): a cron run that finds nothing
// to push loads neither ssh2 nor execa, and one with a single transport only that one.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { SyncConfig } from '../config/sync-config.js';
import { TransportError } from '../errors.js';
import { jobKey } from '../ledger/job-key.js';
import { ledgerDir } from '../ledger/ledger.js';
import { stageRootOf } from '../stage/stage-batch.js';
import type { Transports } from '../sync/sync-hosts.js';
import type { ConnectionSettings, Transport } from '../types.js';
import { lazyTransport } from './lazy-transport.js';
import { checkPdcpAvailable } from './pdcp/check-pdcp-available.js';

export function connectionSettings(config: SyncConfig): ConnectionSettings {
  return {
    ...(config.sshConfigFile !== undefined ? { sshConfigFile: config.sshConfigFile } : {}),
    identityFiles: config.identityFiles,
    ...(config.knownHostsFile !== undefined ? { knownHostsFile: config.knownHostsFile } : {}),
    acceptNewHostKeys: config.acceptNewHostKeys,
    user: config.user,
    connectTimeoutMs: config.connectTimeoutMs,
    operationTimeoutMs: config.operationTimeoutMs,
  };
}

/** Throws TransportError (exit 2, nothing sent) when the chosen transport cannot run here. */
export async function createTransports(config: SyncConfig, keepConnections: boolean): Promise<Transports> {
  const settings = connectionSettings(config);
  // next to the job's ledger, whose directory exists before the first push
  const jobDir = ledgerDir(config.stateDir, jobKey(config.label, config.watchDir, config.destDir));
  const orphanFile = join(jobDir, 'ssh-orphans.json');
  const tempTag = tempTagFor(jobDir);
  const ssh = (): Transport =>
    lazyTransport('ssh', async () =>
      (await import('./ssh/ssh-transport.js')).createSshTransport(settings, {
        keepConnections,
        orphanFile,
        tempTag,
      }),
    );
  // whether pdcp can run here is known now (exit 2 before anything is sent); the transport itself
  // (execa) is loaded only when there is something to push
  const pdcp = async (): Promise<Transport | string> =>
    (await checkPdcpAvailable()) ??
    lazyTransport('pdcp', async () =>
      (await import('./pdcp/pdcp-transport.js')).createPdcpTransport(settings, {
        remoteTmp: config.remoteTmp,
        workRoot: stageRootOf(jobDir),
        jobTag: tempTag,
      }),
    );
  switch (config.transport) {
    case 'local': {
      if (config.localRoot === undefined) throw new TransportError('--transport local needs --local-root');
      const { createLocalTransport } = await import('./local/local-transport.js');
      return { primary: createLocalTransport({ root: config.localRoot }) };
    }
    case 'ssh':
      return { primary: ssh() };
    case 'pdcp': {
      const primary = await pdcp();
      if (typeof primary === 'string')
        throw new TransportError(`--transport pdcp: ${primary} (or use --transport ssh)`);
      return { primary };
    }
    case 'auto': {
      const viaPdcp = await pdcp();
      if (typeof viaPdcp === 'string') return { primary: ssh() };
      return keepConnections ? { primary: ssh(), fallback: viaPdcp } : { primary: viaPdcp, fallback: ssh() };
    }
  }
}

/**
 * One job's temp-name tag: the same for every run of the job from this state dir on this machine
 * (the scope of the job's lock), different for another admin node or state dir pushing the same
 * paths to the same nodes, whose temps must never meet ours.
 */
export function tempTagFor(jobDir: string): string {
  return createHash('sha256').update(`${hostname()}\0${jobDir}`).digest('hex').slice(0, 10);
}

export function describeTransports(transports: Transports): string {
  return transports.fallback === undefined
    ? transports.primary.name
    : `${transports.primary.name} (fallback ${transports.fallback.name})`;
}

export async function closeTransports(transports: Transports | undefined): Promise<void> {
  await transports?.primary.close();
  await transports?.fallback?.close();
}
