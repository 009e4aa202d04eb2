// The installed binary is a launcher that runs dist/bundle from V8's code cache: a copy of the
// built layout shows that a stale or missing cache still runs (and is rewritten), a missing
// bundle is an internal error (exit 3), and the bundle finds its scan worker file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
const dist = here.includes(join('dist', 'src')) ? resolve(here, '../..') : resolve(here, '../../dist');

describe('launcher (dist/src/cli/launch.cjs)', () => {
  let work: string;
  let launcher: string;
  let cache: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'clsync-launch-'));
    // the same layout as dist/: src/cli/launch.cjs and bundle/
    mkdirSync(join(work, 'dist', 'src', 'cli'), { recursive: true });
    cpSync(join(dist, 'src', 'cli', 'launch.cjs'), join(work, 'dist', 'src', 'cli', 'launch.cjs'));
    cpSync(join(dist, 'bundle'), join(work, 'dist', 'bundle'), { recursive: true });
    writeFileSync(join(work, 'package.json'), readFileSync(join(dist, '..', 'package.json')));
    launcher = join(work, 'dist', 'src', 'cli', 'launch.cjs');
    cache = join(work, 'dist', 'bundle', 'clsync-hpc.js.v8cache');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const run = (args: readonly string[]) =>
    spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

  test('the build ships a code cache that V8 accepts', () => {
    assert.ok(existsSync(cache));
    const before = readFileSync(cache);
    const result = run(['--version']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.ok(readFileSync(cache).equals(before), 'an accepted cache is left alone');
  });

  test('a rejected cache still runs, and is rewritten from this run', () => {
    writeFileSync(cache, 'not a V8 code cache');
    const result = run(['--version']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.notEqual(readFileSync(cache, 'utf8'), 'not a V8 code cache');
    assert.equal(run(['--version']).status, 0);
  });

  test('a missing cache runs from source and is written', () => {
    rmSync(cache);
    assert.equal(run(['--version']).status, 0);
    assert.ok(existsSync(cache));
  });

  test('the bundle starts its scan workers when there is much to hash (worker file beside it)', () => {
    const tree = join(work, 'tree');
    mkdirSync(tree);
    // > 64 MiB of content: hashing moves to the stat workers (stat-engine.ts); sparse files
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(tree, `big${i}`), '');
      truncateSync(join(tree, `big${i}`), 32 << 20);
    }
    const result = run([
      '-W',
      tree,
      '-w',
      'n1',
      '--transport',
      'local',
      '--local-root',
      join(work, 'nodes'),
      '--state-dir',
      join(work, 'state'),
      '--once',
      '--dry-run',
      '-q',
      '--report',
      '-',
    ]);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { changes: unknown[] };
    assert.equal(report.changes.length, 3);
  });

  test('a missing bundle is an internal error (exit 3) that says what to do', () => {
    rmSync(join(work, 'dist', 'bundle', 'clsync-hpc.js'));
    const result = run(['--version']);
    assert.equal(result.status, 3);
    assert.match(result.stderr, /clsync-hpc\.js is missing \(run npm run build\)/);
  });
});
