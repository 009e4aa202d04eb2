// apply-script.ts must be apply.sh, verbatim: tsc ships no .sh files, so the script travels as a
// string constant generated from the readable source. `CLSYNC_WRITE_APPLY_SCRIPT=1` regenerates it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { APPLY_SCRIPT } from './apply-script.js';

// from dist/src/transport/shared as well as from src/transport/shared
const sourceDir = dirname(fileURLToPath(import.meta.url)).replace(/([/\\])dist([/\\])src([/\\])/, '$1src$3');

function renderApplyScriptModule(script: string): string {
  const body = script.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${');
  return [
    '// GENERATED from apply.sh by apply-script.test.ts (CLSYNC_WRITE_APPLY_SCRIPT=1): edit apply.sh, not this file.',
    '// The script ships as a string because tsc copies no .sh files into dist.',
    `export const APPLY_SCRIPT = \`${body}\`;`,
    '',
  ].join('\n');
}

test('apply-script.ts is generated from apply.sh', () => {
  const script = readFileSync(join(sourceDir, 'apply.sh'), 'utf8');
  if (process.env.CLSYNC_WRITE_APPLY_SCRIPT === '1') writeFileSync(join(sourceDir, 'apply-script.ts'), renderApplyScriptModule(script));
  assert.equal(APPLY_SCRIPT, script, 'apply-script.ts is stale: run this test with CLSYNC_WRITE_APPLY_SCRIPT=1');
});

test('apply.sh parses under dash and bash (POSIX sh)', () => {
  for (const sh of ['dash', 'bash']) execFileSync(sh, ['-n', '-c', APPLY_SCRIPT]);
});
