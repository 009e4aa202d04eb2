// Transport registry: a name → a factory (cf. ClusterShell WORKER_CLASS, pdsh modules). `auto`
// prefers pdcp when pdcp and pdsh are installed here, with ssh as the per-host fallback for nodes
// that lack pdcp; without pdcp it is ssh alone.
import type { SyncConfig } from '../config/sync-config.js';
import { TransportError } from '../errors.js';
import type { Transports } from '../sync/sync-hosts.js';
import type { ConnectionSettings } from '../types.js';
import { createLocalTransport } from './local/local-transport.js';
import { checkPdcpAvailable, createPdcpTransport } from './pdcp/pdcp-transport.js';
import { createSshTransport } from './ssh/ssh-transport.js';

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
  const ssh = () => createSshTransport(settings, { keepConnections });
  switch (config.transport) {
    case 'local':
      if (config.localRoot === undefined) throw new TransportError('--transport local needs --local-root');
      return { primary: createLocalTransport({ root: config.localRoot }) };
    case 'ssh':
      return { primary: ssh() };
    case 'pdcp': {
      const missing = await checkPdcpAvailable();
      if (missing !== undefined) throw new TransportError(`--transport pdcp: ${missing} (or use --transport ssh)`);
      return { primary: createPdcpTransport(settings, { remoteTmp: config.remoteTmp }) };
    }
    case 'auto': {
      const missing = await checkPdcpAvailable();
      if (missing !== undefined) return { primary: ssh() };
      return { primary: createPdcpTransport(settings, { remoteTmp: config.remoteTmp }), fallback: ssh() };
    }
  }
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
