// Which changes each host needs: hosts that the ledger says are in the same state (same manifest,
// same dirty paths) form one group, so the diff runs once per group, not once per host.
import type { Ledger } from '../ledger/ledger.js';
import type { Change, Snapshot } from '../types.js';
import { diffSnapshots } from './diff-snapshots.js';

export interface HostPlan {
  readonly hosts: string[];
  /** The manifest these hosts have (null = never synced); applyChanges(it, changes) is their next one. */
  readonly baseManifestId: string | null;
  readonly dirty: readonly string[];
  /** Empty: the hosts are up to date ('unchanged'). */
  readonly changes: Change[];
}

export interface PlanOptions {
  readonly noDelete: boolean;
}

/** Plans in order of each group's first host in `hosts`; hosts keep their order inside a group. */
export async function planHosts(
  ledger: Pick<Ledger, 'hostState' | 'manifest'>,
  hosts: readonly string[],
  want: Snapshot,
  options: PlanOptions,
): Promise<HostPlan[]> {
  const groups = new Map<
    string,
    { hosts: string[]; baseManifestId: string | null; dirty: readonly string[] }
  >();
  // The ledger shares one array per distinct dirty list: build each content key once.
  const dirtyKeys = new Map<readonly string[], string>();
  for (const host of new Set(hosts)) {
    const state = ledger.hostState(host);
    let dirtyKey = dirtyKeys.get(state.dirty);
    if (dirtyKey === undefined) {
      dirtyKey = [...state.dirty].sort().join('\0');
      dirtyKeys.set(state.dirty, dirtyKey);
    }
    const key = `${state.manifestId ?? ''}\n${dirtyKey}`;
    const group = groups.get(key);
    if (group !== undefined) group.hosts.push(host);
    else groups.set(key, { hosts: [host], baseManifestId: state.manifestId, dirty: state.dirty });
  }
  const plans: HostPlan[] = [];
  for (const group of groups.values()) {
    const have = await ledger.manifest(group.baseManifestId);
    const dirty = new Set(group.dirty);
    plans.push({ ...group, changes: diffSnapshots(have, want, { noDelete: options.noDelete, dirty }) });
  }
  return plans;
}
