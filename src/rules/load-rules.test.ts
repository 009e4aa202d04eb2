import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RulesParseError, UsageError } from '../errors.js';
import { loadRules } from './load-rules.js';

const here = dirname(fileURLToPath(import.meta.url));
/** rules/ at the repository root, from src/rules (tsx) or dist/src/rules (compiled). */
async function examplesDir(): Promise<string> {
  for (const up of ['../..', '../../..']) {
    const dir = join(here, up, 'rules');
    try {
      if ((await readdir(dir)).some((f) => f.endsWith('.rules'))) return dir;
    } catch {
      // try the next candidate
    }
  }
  throw new Error(`rules/ not found from ${here}`);
}

describe('loadRules', () => {
  let work = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'clsync-hpc-rules-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('no file: permit everything behind the built-in excludes', async () => {
    const m = await loadRules(undefined, { defaultExcludes: true });
    assert.equal(m.rules.length, 0);
    assert.equal(m.decide('motd', 'file').sync, true);
    assert.equal(m.decide('passwd-', 'file').sync, false);
  });

  test('a missing or unreadable file is a UsageError naming the path', async () => {
    const missing = join(work, 'nope.rules');
    await assert.rejects(loadRules(missing, { defaultExcludes: true }), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message, `cannot read rules file ${missing}: no such file`);
      return true;
    });
    await assert.rejects(loadRules(work, { defaultExcludes: true }), /is a directory/);
  });

  test('parse errors carry the file path', async () => {
    const file = join(work, 'bad.rules');
    await writeFile(file, '+f^passwd$\n+q^group$\n-*');
    await assert.rejects(loadRules(file, { defaultExcludes: true }), (error: unknown) => {
      assert.ok(error instanceof RulesParseError);
      assert.equal(
        error.message,
        `${file}:2: unknown type letter "q": expected f, l, d, *, w, m, s or W, or a space for a glob: "+q^group$"`,
      );
      return true;
    });
  });

  test('every example in rules/ loads, ends with a catch-all and keeps host keys out', async () => {
    const dir = await examplesDir();
    const files = (await readdir(dir)).filter((f) => f.endsWith('.rules'));
    assert.ok(files.length >= 5, files.join(' '));
    for (const name of files) {
      const m = await loadRules(join(dir, name), { defaultExcludes: true });
      const last = m.rules[m.rules.length - 1];
      assert.ok(last && !last.permit, `${name} must end with a deny-everything rule`);
      assert.equal(m.decide('motd', 'file').sync, false, `${name}: motd`);
      assert.equal(m.decide('ssh/ssh_host_ed25519_key', 'file').sync, false, `${name}: host key`);
    }
  });
});
