// pdcp and pdsh exit 0 when hosts fail, so failures are read from their stderr, line by line
// (cf. ClusterShell Worker/Pdsh.py PdcpClient._parse_line). Two kinds of lines name a host:
//   pdcp@<admin>: <host>: ssh exited with exit code <N> | fatal: <path>: <strerror> | command timeout
//   <host>: <whatever ssh or the node wrote on stderr>
// See test/fixtures/pdcp/ for the lines captured from the lab, one file per fault.
import type { HostErrorClass } from '../../types.js';

export interface PdcpLineFailure {
  /** The host as pdsh printed it (pdsh may strip a common domain: see resolve-host-label.ts). */
  readonly host: string;
  readonly errorClass: HostErrorClass;
  readonly message: string;
  readonly code?: string;
  /** Only an exit status: a more specific line about the same host wins, other lines add context. */
  readonly generic?: boolean;
  /** The connection worked, so the node may hold part of the stage directory: clean it up. */
  readonly partial?: boolean;
}

const TOOL_LINE = /^(pdcp|pdsh)@[^\s:]+: (\S+): (.*)$/;
const HOST_LINE = /^(\S+): (.*)$/;

/** ssh and node diagnostics → class, most specific first. */
const SSH_PATTERNS: readonly (readonly [RegExp, HostErrorClass])[] = [
  [/Connection timed out during banner exchange|Connection to \S+ port \d+ timed out/, 'timeout'],
  [
    /Host key verification failed\.|Host key for .* has changed|No \S+ host key is known for|REMOTE HOST IDENTIFICATION HAS CHANGED/,
    'hostkey',
  ],
  [
    /Permission denied \(|Too many authentication failures|no matching host key type found|Authentication failed/,
    'auth',
  ],
  [/Connection timed out|Operation timed out/, 'timeout'],
  [
    /Connection refused|No route to host|Network is unreachable|Could not resolve hostname|Name or service not known|Temporary failure in name resolution|Connection reset by peer|Connection closed by|kex_exchange_identification|Broken pipe/,
    'unreachable',
  ],
];

/** One stderr line of pdcp or pdsh → the failure it reports, or undefined (not a failure by itself). */
export function parsePdcpLine(raw: string): PdcpLineFailure | undefined {
  const line = withoutCr(raw);
  const tool = TOOL_LINE.exec(line);
  if (tool !== null)
    return parseToolLine(tool[1] as 'pdcp' | 'pdsh', tool[2] as string, (tool[3] as string).trim());
  const hostLine = splitHostLine(line);
  if (hostLine === undefined) return undefined;
  for (const [pattern, errorClass] of SSH_PATTERNS) {
    if (pattern.test(hostLine.text)) return { host: hostLine.host, errorClass, message: hostLine.text };
  }
  return undefined;
}

/** `<host>: <text>` (not one of pdcp's or pdsh's own lines), or undefined. */
export function splitHostLine(raw: string): { host: string; text: string } | undefined {
  const line = withoutCr(raw);
  if (TOOL_LINE.test(line)) return undefined;
  const m = HOST_LINE.exec(line);
  if (m?.[1] === undefined || m[2] === undefined) return undefined;
  return { host: m[1], text: m[2].trim() };
}

// ssh ends its own diagnostics with \r\n
function withoutCr(line: string): string {
  return line.replace(/\r+$/, '');
}

function parseToolLine(tool: 'pdcp' | 'pdsh', host: string, text: string): PdcpLineFailure | undefined {
  if (text.startsWith('fatal: ')) {
    // the pdcp server on the node: "<path>: <strerror>" (stale errno possible, see lab README §4.2)
    return { host, errorClass: 'remote-io', message: text.slice('fatal: '.length), partial: true };
  }
  if (text === 'command timeout') {
    return {
      host,
      errorClass: 'timeout',
      message: `${tool}: no result within the operation timeout (command timeout)`,
      partial: true,
    };
  }
  const exit = /^ssh exited with exit code (\d+)$/.exec(text);
  if (exit !== null) {
    const rc = Number(exit[1]);
    if (rc === 127) {
      return tool === 'pdcp'
        ? {
            host,
            errorClass: 'other',
            code: 'remote-pdcp-missing',
            message: `${tool}: ${text} (pdcp is not installed at the same path on the node)`,
            generic: true,
          }
        : {
            host,
            errorClass: 'other',
            code: 'remote-command-missing',
            message: `${tool}: ${text}`,
            generic: true,
          };
    }
    // 255 is ssh's own failure (a diagnostic line names it); other codes come from the node's side
    return {
      host,
      errorClass: 'other',
      code: rc === 255 ? 'ssh-failed' : 'remote-exit',
      message: `${tool}: ${text}`,
      generic: true,
      ...(rc === 255 ? {} : { partial: true }),
    };
  }
  const signal = /^ssh killed by signal (\d+)$/.exec(text);
  if (signal !== null)
    return {
      host,
      errorClass: 'other',
      code: 'ssh-killed',
      message: `${tool}: ${text}`,
      generic: true,
      partial: true,
    };
  return undefined;
}
