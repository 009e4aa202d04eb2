// Fields are encoded here and decoded by the real shells of this machine exactly as apply.sh does
// (`printf '%b_'`, strip the sentinel), so hostile names come out byte for byte, and nothing in
// them is ever run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HOSTILE_NAMES } from '../../../test/fixtures/pdcp/hostile-names.js';
import { decodeField, encodeField } from './encode-field.js';

const sandbox = mkdtempSync(join(tmpdir(), 'clsync-encode-'));
after(() => rmSync(sandbox, { recursive: true, force: true }));

const DECODE = `decode() { case $1 in *\\\\*) v=$(printf '%b_' "$1") && v=\${v%_} ;; *) v=$1 ;; esac; }
for f in "$@"; do decode "$f"; printf '%s\\0' "$v"; done`;

for (const shell of ['dash', 'bash', 'sh']) {
  test(`${shell} decodes every field to the exact bytes, and runs nothing`, () => {
    const fields = HOSTILE_NAMES.map(encodeField);
    for (const f of fields)
      assert.match(f, /^[A-Za-z0-9._+,:@=/\\-]+$/, 'a field has no whitespace and no shell syntax');
    const out = execFileSync(shell, ['-c', DECODE, 'decode', ...fields], { cwd: sandbox });
    assert.deepEqual(out.toString('utf8').split('\0').slice(0, -1), HOSTILE_NAMES);
    assert.equal(existsSync(join(sandbox, 'pwned')), false);
    assert.equal(existsSync(join(sandbox, 'pwned2')), false);
  });
}

test('decodeField is the inverse; "-" (absent) and real "-" never meet; NUL and empty are refused', () => {
  for (const name of HOSTILE_NAMES) assert.equal(decodeField(encodeField(name)), name);
  assert.equal(encodeField('a/b-c.d'), 'a/b-c.d');
  assert.equal(encodeField('-'), '\\0055');
  assert.equal(encodeField('a b'), 'a\\0040b');
  assert.throws(() => encodeField('a\0b'), /NUL/);
  assert.throws(() => encodeField(''), /empty/);
});
