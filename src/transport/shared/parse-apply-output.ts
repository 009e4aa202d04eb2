// apply.sh reports with marker lines (pdsh prefixes each with "<host>: "):
//   CLSYNC-HPC <batch> OK | ERR <class> <n|-> <text> | NOTE <n> <text>
// A host is done only if its OK line arrived: exit codes of pdsh and ssh are not trusted.
import type { Batch, HostErrorClass, HostFailure } from '../../types.js';

export const APPLY_MARKER = 'CLSYNC-HPC';

export interface ApplyNote {
  readonly change: number;
  readonly text: string;
}

export interface ApplyResult {
  readonly ok: boolean;
  readonly errorClass?: HostErrorClass;
  /** Index of the failing change in batch.changes, when the failure belongs to one. */
  readonly change?: number;
  readonly text?: string;
  readonly notes: readonly ApplyNote[];
}

const LINE = /^CLSYNC-HPC (\S+) (OK|ERR|NOTE)(?: (.*))?$/;
const ERR_CLASSES: readonly HostErrorClass[] = ['remote-io', 'validation', 'other'];

/** The result of one host's run from its output lines (without host prefix); undefined = no result line. */
export function foldApplyLines(lines: readonly string[], batchId: string): ApplyResult | undefined {
  const notes: ApplyNote[] = [];
  let result: ApplyResult | undefined;
  for (const line of lines) {
    const m = LINE.exec(line);
    // "-" is what the script prints before it could read the batch id
    if (m === null || (m[1] !== batchId && m[1] !== '-')) continue;
    const rest = m[3] ?? '';
    if (m[2] === 'OK') result = { ok: true, notes };
    else if (m[2] === 'NOTE') {
      const [n, ...text] = rest.split(' ');
      if (/^\d+$/.test(n ?? '')) notes.push({ change: Number(n), text: text.join(' ') });
    } else {
      const [cls = '', n = '-', ...text] = rest.split(' ');
      result = {
        ok: false,
        errorClass: (ERR_CLASSES as readonly string[]).includes(cls) ? (cls as HostErrorClass) : 'other',
        ...(/^\d+$/.test(n) ? { change: Number(n) } : {}),
        text: text.join(' '),
        notes,
      };
    }
  }
  return result;
}

/** pdsh output of the apply round → result per host label (as pdsh printed it). */
export function parseApplyOutput(stdout: string, batchId: string): Map<string, ApplyResult> {
  const byHost = new Map<string, string[]>();
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^(\S+): (CLSYNC-HPC .*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    const lines = byHost.get(m[1]) ?? [];
    lines.push(m[2]);
    byHost.set(m[1], lines);
  }
  const results = new Map<string, ApplyResult>();
  for (const [host, lines] of byHost) {
    const result = foldApplyLines(lines, batchId);
    if (result !== undefined) results.set(host, result);
  }
  return results;
}

/** Path of a change on the node. */
export function hostPath(destDir: string, path: string): string {
  return `${destDir.replace(/\/+$/, '')}/${path}`;
}

/** A failed ApplyResult as the HostFailure users see: "<node path>: <the node's words>". */
export function applyFailure(result: ApplyResult, batch: Batch): HostFailure {
  const change = result.change === undefined ? undefined : batch.changes[result.change];
  const text = clip(result.text ?? '', 600) || 'failed';
  return {
    class: result.errorClass ?? 'other',
    message: change === undefined ? text : `${hostPath(batch.destDir, change.path)}: ${text}`,
  };
}

export function clip(text: string, max: number): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max - 1)}…`;
}
