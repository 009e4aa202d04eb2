// apply-script.ts must be apply.sh, verbatim: tsc ships no .sh files, so the script travels as a
// string constant generated from the readable source. `CLSYNC_WRITE_APPLY_SCRIPT=1` regenerates it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { BatchBuilder } from '../../../test/fixtures/pdcp/batch-builder.js';
import { APPLY_SCRIPT } from './apply-script.js';
import { buildStagePlan } from './stage-plan.js';
import { stageDirName, writeStageDir } from './write-stage.js';

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
  if (process.env.CLSYNC_WRITE_APPLY_SCRIPT === '1')
    writeFileSync(join(sourceDir, 'apply-script.ts'), renderApplyScriptModule(script));
  assert.equal(
    APPLY_SCRIPT,
    script,
    'apply-script.ts is stale: run this test with CLSYNC_WRITE_APPLY_SCRIPT=1',
  );
});

test('apply.sh parses under dash and bash (POSIX sh)', () => {
  for (const sh of ['dash', 'bash']) execFileSync(sh, ['-n', '-c', APPLY_SCRIPT]);
});

const work = mkdtempSync(join(tmpdir(), 'clsync-apply-'));
after(() => rmSync(work, { recursive: true, force: true }));
const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

async function stage(name: string, build: (b: BatchBuilder) => BatchBuilder): Promise<string> {
  const dir = join(work, name);
  await writeStageDir(
    dir,
    buildStagePlan(await build(new BatchBuilder(join(work, 'staged'), 'b1', '/etc')).build()),
    { link: false },
  );
  return dir;
}

function run(stageDir: string, root: string) {
  const r = spawnSync('sh', [join(stageDir, 'apply.sh'), root], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('success: NOTE lines, then OK as the last line; the stage directory is gone', async () => {
  const root = join(work, 'root1');
  mkdirSync(join(root, 'etc/keep.d'), { recursive: true });
  writeFileSync(join(root, 'etc/keep.d/local'), 'x');
  const dir = await stage('.clsync-hpc.b1.aaa', (b) =>
    b.write('a', { content: 'a', ...me }).delete('keep.d', 'dir'),
  );
  assert.deepEqual(run(dir, root), {
    status: 0,
    stdout: 'CLSYNC-HPC b1 NOTE 1 directory not empty, left in place\nCLSYNC-HPC b1 OK\n',
    stderr: '',
  });
  assert.equal(existsSync(dir), false);
});

test('failure: one ERR line, exit 1, the stage directory is gone too', async () => {
  const root = join(work, 'root2');
  mkdirSync(join(root, 'etc/a'), { recursive: true });
  const dir = await stage('.clsync-hpc.b1.bbb', (b) => b.write('a', { content: 'a', ...me }));
  assert.deepEqual(run(dir, root), {
    status: 1,
    stdout: 'CLSYNC-HPC b1 ERR remote-io 0 Is a directory\n',
    stderr: '',
  });
  assert.equal(existsSync(dir), false);
});

test('a truncated or tampered manifest fails validation before anything changes', async () => {
  const root = join(work, 'root3');
  const dir = await stage('.clsync-hpc.b1.ccc', (b) =>
    b.write('a', { content: 'a', ...me }).write('b', { content: 'b', ...me }),
  );
  const manifest = readFileSync(join(dir, 'manifest'), 'utf8');
  writeFileSync(join(dir, 'manifest'), manifest.split('\n').slice(0, -3).join('\n') + '\n');
  const r = run(dir, root);
  assert.equal(r.status, 1);
  assert.match(
    r.stdout,
    /^CLSYNC-HPC b1 ERR validation - content check failed on the node: manifest: FAILED/,
  );
  assert.equal(existsSync(join(root, 'etc')), false);
});

test('refuses to run outside a .clsync-hpc.* directory (it removes its own directory at exit)', () => {
  const dir = join(work, 'not-a-stage');
  mkdirSync(dir);
  writeFileSync(join(dir, 'apply.sh'), APPLY_SCRIPT);
  const r = run(dir, '');
  assert.equal(r.status, 2);
  assert.match(
    r.stdout,
    /^CLSYNC-HPC - ERR other - apply\.sh runs only from a \.clsync-hpc\.\* stage directory\n$/,
  );
  assert.equal(existsSync(join(dir, 'apply.sh')), true);
});

test("a job's stage removes the stages the job left next to it (kill -9 during pdcp), and nothing else", async () => {
  const root = join(work, 'root4');
  const tmp = join(work, 'tmp4');
  mkdirSync(tmp);
  const leftBehind = join(tmp, '.clsync-hpc.job1.oldbatch.111111');
  mkdirSync(leftBehind);
  writeFileSync(join(leftBehind, '0'), 'a stage a killed run never applied');
  const keep = [
    '.clsync-hpc.job2.otherbatch.222222', // another job's (another admin node or state dir)
    '.clsync-hpc.oldbatch.333333', // untagged (local transport, earlier versions)
    '.clsync-hpc.job1', // not a stage name
    '.clsync-hpc.job1.x.y.z.w', // looks like one but is a file
  ];
  for (const name of keep.slice(0, 3)) mkdirSync(join(tmp, name));
  writeFileSync(join(tmp, keep[3] as string), 'a file, not a stage');
  const dir = await stage('tmp4/.clsync-hpc.job1.b1.444444', (b) => b.write('a', { content: 'a', ...me }));
  assert.deepEqual(run(dir, root), { status: 0, stdout: 'CLSYNC-HPC b1 OK\n', stderr: '' });
  assert.deepEqual(readdirSync(tmp).sort(), [...keep].sort());
  assert.equal(readFileSync(join(root, 'etc/a'), 'utf8'), 'a');
});

test('stage names: with a job tag and without; a tag that is not a plain word is refused', () => {
  assert.match(stageDirName('b1', 'f00d42'), /^\.clsync-hpc\.f00d42\.b1\.[0-9a-f]{12}$/);
  assert.match(stageDirName('b1'), /^\.clsync-hpc\.b1\.[0-9a-f]{12}$/);
  assert.notEqual(stageDirName('b1'), stageDirName('b1'));
  assert.throws(() => stageDirName('b1', '*'), /bad job tag/);
  assert.throws(() => stageDirName('b1', 'a.b'), /bad job tag/);
});
