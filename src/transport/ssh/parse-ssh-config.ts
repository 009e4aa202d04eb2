// OpenSSH client config (ssh_config(5)) → blocks of options. Pure: text in, structure out.
// Only the syntax is handled here; which values apply to a host is resolve-ssh-host.ts.
import { SshConfigError } from './ssh-errors.js';

export interface SshConfigOption {
  /** Lowercased keyword (ssh_config keywords are case-insensitive). */
  readonly keyword: string;
  readonly args: readonly string[];
  readonly line: number;
}

export interface SshConfigBlock {
  /** `Host` patterns (maybe `!negated`); undefined for options before the first Host line (apply to all). */
  readonly patterns: readonly string[] | undefined;
  readonly line: number;
  readonly options: readonly SshConfigOption[];
}

export interface SshConfig {
  readonly file: string;
  readonly blocks: readonly SshConfigBlock[];
  /** Things we read but do not honour (Match, Include…), with file:line. */
  readonly notes: readonly string[];
}

const STRICT_VALUES = new Set(['yes', 'no', 'ask', 'accept-new', 'off']);
const YES_NO = new Set(['yes', 'no']);

/** Throws SshConfigError (file:line) for a malformed value of a keyword we honour, as ssh would. */
export function parseSshConfig(text: string, file: string): SshConfig {
  const blocks: { patterns: readonly string[] | undefined; line: number; options: SshConfigOption[] }[] = [
    { patterns: undefined, line: 0, options: [] },
  ];
  const notes: string[] = [];
  let skipping = false; // inside a Match block: its options are ignored
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const parsed = splitConfigLine(lines[i] ?? '', file, lineNo);
    if (parsed === undefined) continue;
    const { keyword, args } = parsed;
    if (keyword === 'host') {
      if (args.length === 0) throw new SshConfigError(file, lineNo, 'Host needs at least one pattern');
      blocks.push({ patterns: args, line: lineNo, options: [] });
      skipping = false;
      continue;
    }
    if (keyword === 'match') {
      notes.push(
        `${file}:${lineNo}: Match blocks are not supported; options up to the next Host are ignored`,
      );
      skipping = true;
      continue;
    }
    if (skipping) continue;
    if (keyword === 'include') {
      notes.push(`${file}:${lineNo}: Include is not supported; ${args.join(' ')} not read`);
      continue;
    }
    validateOption(keyword, args, file, lineNo);
    blocks.at(-1)?.options.push({ keyword, args, line: lineNo });
  }
  return { file, blocks, notes };
}

/** `Keyword args…`, `Keyword=args…`; quotes group words; `#` starts a comment. undefined = nothing there. */
function splitConfigLine(
  raw: string,
  file: string,
  line: number,
): { keyword: string; args: string[] } | undefined {
  const text = raw.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+|$)(.*)$/.exec(text);
  if (m?.[1] === undefined) throw new SshConfigError(file, line, `cannot parse ${JSON.stringify(raw)}`);
  return { keyword: m[1].toLowerCase(), args: splitArgs(m[2] ?? '', file, line) };
}

function splitArgs(rest: string, file: string, line: number): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < rest.length) {
    while (rest[i] === ' ' || rest[i] === '\t') i++;
    if (i >= rest.length || rest[i] === '#') break;
    let word = '';
    while (i < rest.length && rest[i] !== ' ' && rest[i] !== '\t') {
      const c = rest[i] as string;
      if (c === '"' || c === "'") {
        const end = rest.indexOf(c, i + 1);
        if (end < 0) throw new SshConfigError(file, line, 'unterminated quote');
        word += rest.slice(i + 1, end);
        i = end + 1;
      } else {
        word += c;
        i++;
      }
    }
    args.push(word);
  }
  return args;
}

function validateOption(keyword: string, args: readonly string[], file: string, line: number): void {
  const first = args[0];
  const bad = (why: string): never => {
    throw new SshConfigError(file, line, `${keyword}: ${why}`);
  };
  switch (keyword) {
    case 'port': {
      const n = Number(first);
      if (!/^\d+$/.test(first ?? '') || n < 1 || n > 65535) bad(`bad port ${JSON.stringify(first ?? '')}`);
      return;
    }
    case 'connecttimeout':
    case 'serveraliveinterval':
    case 'serveralivecountmax':
      if (!/^\d+$/.test(first ?? '')) bad(`expected whole seconds, got ${JSON.stringify(first ?? '')}`);
      return;
    case 'stricthostkeychecking':
      if (!STRICT_VALUES.has((first ?? '').toLowerCase()))
        bad(`unknown value ${JSON.stringify(first ?? '')}`);
      return;
    case 'identitiesonly':
    case 'hashknownhosts':
      if (!YES_NO.has((first ?? '').toLowerCase()))
        bad(`expected yes or no, got ${JSON.stringify(first ?? '')}`);
      return;
    case 'hostname':
    case 'user':
    case 'identityfile':
    case 'hostkeyalias':
    case 'userknownhostsfile':
    case 'globalknownhostsfile':
      if (first === undefined) bad('missing argument');
      return;
    default:
      return; // keywords we do not use are read and ignored, as ssh ignores options it does not need
  }
}
