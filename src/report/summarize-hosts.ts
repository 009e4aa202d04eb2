// The few human lines printed at the end of a run: counts, then each outcome with its hosts
// folded (cf. ClusterShell iter_retcodes: identical outcomes fold together). Pure.
//   4 ok, 1 unchanged, 3 failed (8 hosts)
//   ok: node[01-02,04-05]
//   failed: node[03,07] unreachable: ssh: connect to host <host> port 22: Connection refused
import { foldHostlist } from '../hosts/fold-hostlist.js';
import type { HostErrorClass, HostReport, HostStatus } from '../types.js';

/** Longest failure message shown; the JSON report keeps the whole text. */
export const MAX_MESSAGE_LENGTH = 160;

const STATUS_ORDER: readonly HostStatus[] = ['ok', 'unchanged', 'planned', 'failed'];

interface FailureGroup {
  readonly errorClass: HostErrorClass;
  readonly code: string | undefined;
  readonly shape: string;
  readonly hosts: string[];
  readonly messages: Set<string>;
}

export function countByStatus(reports: readonly HostReport[]): Record<HostStatus, number> {
  const counts: Record<HostStatus, number> = { ok: 0, unchanged: 0, planned: 0, failed: 0 };
  for (const report of reports) counts[report.status]++;
  return counts;
}

export function summarizeHosts(reports: readonly HostReport[]): string[] {
  if (reports.length === 0) return ['no hosts'];
  const counts = countByStatus(reports);
  const total = `${reports.length} host${reports.length === 1 ? '' : 's'}`;
  const lines = [
    `${STATUS_ORDER.filter((s) => counts[s] > 0)
      .map((s) => `${counts[s]} ${s}`)
      .join(', ')} (${total})`,
  ];
  for (const status of STATUS_ORDER) {
    if (status === 'failed' || counts[status] === 0) continue;
    lines.push(`${status}: ${foldHostlist(reports.filter((r) => r.status === status).map((r) => r.host))}`);
  }
  for (const group of groupFailures(reports.filter((r) => r.status === 'failed'))) {
    lines.push(`failed: ${foldHostlist(group.hosts)} ${describeFailure(group)}`);
  }
  const inPlace = inPlaceLine(reports);
  if (inPlace !== undefined) lines.push(inPlace);
  return lines;
}

/**
 * First contact found paths already in place (quick check): say so, or "8 unchanged" after
 * "50 change(s) → node[01-08]" reads like a contradiction.
 *   already in place (first contact, left alone): 50 path(s) on node[02-08], 49 on node01
 */
function inPlaceLine(reports: readonly HostReport[]): string | undefined {
  const byCount = new Map<number, string[]>();
  for (const r of reports) {
    if (r.inPlace === undefined || r.inPlace === 0) continue;
    const hosts = byCount.get(r.inPlace) ?? [];
    hosts.push(r.host);
    byCount.set(r.inPlace, hosts);
  }
  if (byCount.size === 0) return undefined;
  const parts = [...byCount]
    .sort((a, b) => b[1].length - a[1].length || b[0] - a[0])
    .map(([count, hosts], i) => `${count}${i === 0 ? ' path(s)' : ''} on ${foldHostlist(hosts)}`);
  return `already in place (first contact, left alone): ${parts.join(', ')}`;
}

/** Same class, code and message shape → one line; biggest groups first, then by class, code, text. */
function groupFailures(failed: readonly HostReport[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const report of failed) {
    const errorClass = report.error?.class ?? 'other';
    const code = report.error?.code;
    const message = collapseWhitespace(report.error?.message ?? '');
    const shape = messageShape(message, report.host);
    const key = [errorClass, code ?? '', shape].join('\u0000');
    const group = groups.get(key) ?? { errorClass, code, shape, hosts: [], messages: new Set<string>() };
    group.hosts.push(report.host);
    group.messages.add(message);
    groups.set(key, group);
  }
  return [...groups.values()].sort(
    (a, b) =>
      b.hosts.length - a.hosts.length ||
      compareText(a.errorClass, b.errorClass) ||
      compareText(a.code ?? '', b.code ?? '') ||
      compareText(a.shape, b.shape),
  );
}

function describeFailure(group: FailureGroup): string {
  const label = group.code !== undefined ? `${group.errorClass} (${group.code})` : group.errorClass;
  // one wording shared by every host: show it as is; otherwise show the shape with placeholders
  const [only] = group.messages;
  const message = group.messages.size === 1 && only !== undefined ? only : group.shape;
  return message === '' ? label : `${label}: ${truncate(message, MAX_MESSAGE_LENGTH)}`;
}

const IPV4 = /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)/g;
// two or more colons among hex digits: IPv6 addresses (and clock times, equally per-host noise)
const IPV6 = /(?<![\w:])[0-9a-f]*:[0-9a-f]*:[0-9a-f:]*(?![\w:])/gi;

/** The message with what varies per host (its own name, IP addresses) replaced, for grouping only. */
export function messageShape(message: string, host: string): string {
  let shape = message;
  const shortName = /^\d+(?:\.\d+){3}$/.test(host) ? host : (host.split('.')[0] ?? host);
  for (const name of new Set([host, shortName])) {
    if (name === '') continue;
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // whole names only: node1 must not eat the start of node10 or node1.cluster
    shape = shape.replace(new RegExp(`(?<![\\w.-])${escaped}(?![\\w-]|\\.\\w)`, 'gi'), '<host>');
  }
  return shape.replace(IPV4, '<ip>').replace(IPV6, '<ip>');
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
