// Fold a pdcp/pdsh stderr into one failure per host: specific lines (an ssh diagnostic, a pdcp
// "fatal:") decide the class; a bare "ssh exited with exit code N" only counts when nothing more
// specific was said, and then the host's other stderr lines make up its message.
import type { HostFailure } from '../../types.js';
import { clip } from '../shared/parse-apply-output.js';
import { parsePdcpLine, splitHostLine, type PdcpLineFailure } from './parse-pdcp-line.js';

export interface CollectedFailure extends HostFailure {
  /** The node may hold part of the stage directory. */
  readonly partial: boolean;
}

export interface CollectedStderr {
  readonly failures: ReadonlyMap<string, CollectedFailure>;
  /** Every other line a host wrote on stderr, for messages. */
  readonly context: ReadonlyMap<string, readonly string[]>;
}

export function collectFailures(
  stderr: string,
  resolveHost: (label: string) => string | undefined,
): CollectedStderr {
  const specific = new Map<string, PdcpLineFailure[]>();
  const generic = new Map<string, PdcpLineFailure[]>();
  const context = new Map<string, string[]>();
  const add = <T>(map: Map<string, T[]>, host: string, value: T) =>
    map.set(host, [...(map.get(host) ?? []), value]);
  for (const line of stderr.split('\n')) {
    const failure = parsePdcpLine(line);
    if (failure !== undefined) {
      const host = resolveHost(failure.host);
      if (host !== undefined) add(failure.generic === true ? generic : specific, host, failure);
      continue;
    }
    const hostLine = splitHostLine(line);
    const host = hostLine === undefined ? undefined : resolveHost(hostLine.host);
    if (host !== undefined && hostLine !== undefined && hostLine.text !== '')
      add(context, host, hostLine.text);
  }
  const failures = new Map<string, CollectedFailure>();
  for (const host of new Set([...specific.keys(), ...generic.keys()])) {
    const lines = specific.get(host) ?? [];
    const fallback = generic.get(host) ?? [];
    const partial = [...lines, ...fallback].some((f) => f.partial === true);
    const first = lines[0] ?? fallback[0];
    if (first === undefined) continue;
    const messages =
      lines.length > 0
        ? lines.map((f) => f.message)
        : [...(context.get(host) ?? []), ...fallback.map((f) => f.message)];
    const code = (lines.length > 0 ? lines : fallback).find((f) => f.code !== undefined)?.code;
    failures.set(host, {
      class: first.errorClass,
      message: clip([...new Set(messages)].slice(0, 4).join('; '), 600),
      ...(code !== undefined ? { code } : {}),
      partial,
    });
  }
  return { failures, context };
}
