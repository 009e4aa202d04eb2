// Writes the JSON report: to stdout for '-', else atomically (tmp + rename) so a monitoring job
// never reads half a report.
import { rename, writeFile } from 'node:fs/promises';
import type { CliStreams } from '../cli/run-cli.js';
import type { RunReport } from '../types.js';

export async function writeReport(target: string, report: RunReport, streams: CliStreams): Promise<void> {
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (target === '-') {
    streams.stdout(text);
    return;
  }
  const tmp = `${target}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, target);
}
