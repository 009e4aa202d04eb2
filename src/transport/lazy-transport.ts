// A transport whose module is loaded on its first push or prewarm. Most cron runs find the nodes
// in sync in the ledger and contact no node; they should not pay for loading ssh2 (~10 ms of CPU)
// or execa. Creating a transport has no side effect and checks nothing that loading it later
// would not, so deferring the load changes no outcome, only when the CPU is spent.
import type { Batch, HostResult, PushOptions, Transport, TransportName } from '../types.js';

export function lazyTransport(name: TransportName, load: () => Promise<Transport>): Transport {
  let loaded: Promise<Transport> | undefined;
  const transport = (): Promise<Transport> => (loaded ??= load());
  return {
    name,
    prewarm(hosts: readonly string[]): void {
      // a failed load is the push's to report: it awaits the same promise
      transport().then(
        (t) => t.prewarm?.(hosts),
        () => undefined,
      );
    },
    async push(batch: Batch, hosts: readonly string[], options: PushOptions): Promise<HostResult[]> {
      return (await transport()).push(batch, hosts, options);
    },
    async close(): Promise<void> {
      // never loaded: nothing to release; failed to load: the push reported it
      const t = await loaded?.catch(() => undefined);
      await t?.close();
    },
  };
}
