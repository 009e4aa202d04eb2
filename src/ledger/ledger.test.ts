import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LedgerError } from '../errors.js';
import { planHosts } from '../plan/plan-hosts.js';
import { snapshotFromEntries } from '../tree/snapshot.js';
import type { HostFailure, Snapshot, TreeEntry } from '../types.js';
import { processStartTime } from './job-lock.js';
import { Ledger } from './ledger.js';

const scratch = mkdtempSync(join(tmpdir(), 'ledger-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
const freshStateDir = (): string => join(scratch, `s${counter++}`);
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

const file = (path: string, hash: string): TreeEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 1,
  mtimeMs: 1,
  hash,
});
const snap = (...entries: TreeEntry[]): Snapshot => snapshotFromEntries(entries);
const manifestFiles = (ledger: Ledger): string[] => readdirSync(join(ledger.dir, 'manifests'));
const failure: HostFailure = { class: 'unreachable', message: 'connect ECONNREFUSED' };

/** Runs `body` (a module script with `Ledger` in scope) in a child node process. */
function childScript(stateDir: string, body: string): string {
  return `
    const { Ledger } = await import(${JSON.stringify(new URL(`./ledger.${ext}`, import.meta.url).href)});
    const ledger = await Ledger.open(${JSON.stringify(stateDir)}, 'job');
    ${body}`;
}

test('unknown hosts have nothing; results and failures are recorded and survive a reopen', async () => {
  const stateDir = freshStateDir();
  const ledger = await Ledger.open(stateDir, 'job');
  assert.deepEqual(ledger.hostState('n1'), { manifestId: null, dirty: [], failures: 0 });
  assert.equal((await ledger.manifest(null)).size, 0);
  const want = snap(file('a', 'h1'));
  await ledger.recordResults([
    { host: 'n1', ok: true, manifest: want, at: 100 },
    { host: 'n2', ok: false, error: failure, at: 100 },
  ]);
  await ledger.recordResults([
    { host: 'n2', ok: false, error: { class: 'timeout', message: 'late' }, at: 200 },
  ]);
  await ledger.close();

  const again = await Ledger.open(stateDir, 'job');
  const n1 = again.hostState('n1');
  assert.equal(n1.failures, 0);
  assert.equal(n1.lastOkAt, 100);
  assert.deepEqual([...(await again.manifest(n1.manifestId)).values()], [...want.values()]);
  assert.deepEqual(again.hostState('n2'), {
    manifestId: null,
    dirty: [],
    failures: 2,
    lastError: { class: 'timeout', message: 'late' },
    downSince: 100,
    lastAttemptAt: 200,
  });
  assert.deepEqual(again.knownHosts(), ['n1', 'n2']);
  await again.recordResults([{ host: 'n2', ok: true, manifest: want, at: 300 }]);
  assert.equal(again.hostState('n2').downSince, undefined);
  assert.equal(again.hostState('n2').lastError, undefined);
  assert.equal(again.hostState('n2').manifestId, n1.manifestId);
  await again.close();
});

test('crash after markInFlight (kill -9, no recordResults): the paths are dirty and get resent', async () => {
  const stateDir = freshStateDir();
  const v1 = snap(file('a', 'h1'), file('b', 'h1'));
  const v2 = snap(file('a', 'h2'), file('b', 'h1'));
  const ledger = await Ledger.open(stateDir, 'job');
  await ledger.recordResults([
    { host: 'n1', ok: true, manifest: v1 },
    { host: 'n2', ok: true, manifest: v1 },
  ]);
  await ledger.close();

  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      '--input-type=module',
      '-e',
      childScript(
        stateDir,
        `await ledger.markInFlight(['n1'], ['a']); process.kill(process.pid, 'SIGKILL');`,
      ),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(child.signal, 'SIGKILL', child.stderr);

  const reopened = await Ledger.open(stateDir, 'job'); // the dead child's lock is stale
  assert.deepEqual(reopened.hostState('n1').dirty, ['a']);
  // v2 changes 'a' anyway; with the host back at v1 content-wise but dirty, a resend of v1 itself must send 'a'.
  const plans = await planHosts(reopened, ['n1', 'n2'], v1, { noDelete: false });
  assert.deepEqual(
    plans.map((p) => ({ hosts: p.hosts, ops: p.changes.map((c) => `${c.op} ${c.path}`) })),
    [
      { hosts: ['n1'], ops: ['write a'] },
      { hosts: ['n2'], ops: [] },
    ],
  );
  const plans2 = await planHosts(reopened, ['n1', 'n2'], v2, { noDelete: false });
  assert.deepEqual(
    plans2.map((p) => p.changes.map((c) => `${c.op} ${c.path}`)),
    [['write a'], ['write a']],
  );
  await reopened.close();
});

test('markInFlight accumulates; a failure keeps the dirty paths, a success clears them', async () => {
  const ledger = await Ledger.open(freshStateDir(), 'job');
  await ledger.markInFlight(['n1', 'n2'], ['b', 'a']);
  await ledger.markInFlight(['n1'], ['c', 'a']);
  assert.deepEqual(ledger.hostState('n1').dirty, ['a', 'b', 'c']);
  assert.deepEqual(ledger.hostState('n2').dirty, ['a', 'b']);
  await ledger.recordResults([
    { host: 'n1', ok: false, error: failure, at: 1 },
    { host: 'n2', ok: true, manifest: snap(file('a', 'h')) },
  ]);
  assert.deepEqual(ledger.hostState('n1').dirty, ['a', 'b', 'c']);
  assert.deepEqual(ledger.hostState('n2').dirty, []);
  await ledger.close();
});

test('the lock: a second open fails naming the holder; a dead holder’s lock is taken over', async () => {
  const stateDir = freshStateDir();
  const first = await Ledger.open(stateDir, 'job');
  await assert.rejects(
    Ledger.open(stateDir, 'job'),
    (e) => e instanceof LedgerError && /in use by this process/.test(e.message),
  );
  await first.close();

  const holder = spawn(
    process.execPath,
    [
      ...process.execArgv,
      '--input-type=module',
      '-e',
      childScript(stateDir, `console.log('locked'); setInterval(() => {}, 1000);`),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
  await assert.rejects(
    Ledger.open(stateDir, 'job'),
    (e) =>
      e instanceof LedgerError &&
      e.message.includes(`in use by process ${holder.pid}`) &&
      e.message.includes('lock'),
  );
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  const taken = await Ledger.open(stateDir, 'job');
  assert.match(readFileSync(join(taken.dir, 'lock'), 'utf8'), new RegExp(`^${process.pid} `));
  await taken.close();
  assert.equal(existsSync(join(taken.dir, 'lock')), false, 'close removes the lock');

  // A reused pid (alive, but started at another time) does not hold the lock.
  writeFileSync(join(taken.dir, 'lock'), `${process.pid} 1\n`);
  assert.notEqual(processStartTime(process.pid), '1');
  await (await Ledger.open(stateDir, 'job')).close();
  // A torn lock (its writer died before writing the pid) is stale too.
  writeFileSync(join(taken.dir, 'lock'), '');
  await (await Ledger.open(stateDir, 'job')).close();
});

test('manifests are shared by content and unreferenced ones are collected', async () => {
  const ledger = await Ledger.open(freshStateDir(), 'job');
  const v1 = snap(file('a', 'h1'));
  await ledger.recordResults([
    { host: 'n1', ok: true, manifest: v1 },
    { host: 'n2', ok: true, manifest: snap(file('a', 'h1')) }, // equal content, other object
  ]);
  assert.equal(manifestFiles(ledger).length, 1);
  await ledger.recordResults([{ host: 'n1', ok: true, manifest: snap(file('a', 'h2')) }]);
  assert.equal(manifestFiles(ledger).length, 2);
  await ledger.recordResults([{ host: 'n2', ok: true, manifest: snap(file('a', 'h2')) }]);
  assert.deepEqual(manifestFiles(ledger), [`${ledger.hostState('n1').manifestId}.json`]);
  await ledger.close();
});

test('10,000 hosts on 2 distinct manifests store exactly 2 manifest files; dirty lists are stored once', async () => {
  const ledger = await Ledger.open(freshStateDir(), 'job');
  const hosts = Array.from({ length: 10_000 }, (_, i) => `node${String(i).padStart(5, '0')}`);
  const paths = Array.from({ length: 2000 }, (_, i) => `conf.d/file${i}.conf`);
  const a = snapshotFromEntries(paths.map((p) => file(p, 'h1')));
  const b = snapshotFromEntries(paths.map((p) => file(p, 'h2')));
  await ledger.markInFlight(hosts, paths);
  await ledger.recordResults(
    hosts.map((host, i) => (i % 2 === 0 ? { host, ok: true, manifest: a } : { host, ok: true, manifest: b })),
  );
  assert.equal(manifestFiles(ledger).length, 2);
  await ledger.markInFlight(hosts.slice(0, 5000), paths);
  const hostsJson = readFileSync(join(ledger.dir, 'hosts.json'), 'utf8');
  assert.ok(hostsJson.length < 1_200_000, `hosts.json is ${hostsJson.length} bytes`);
  assert.equal(JSON.parse(hostsJson).dirtySets.length, 1);
  await ledger.close();
});

test('state problems are LedgerErrors naming the file; a missing manifest means "send everything"', async () => {
  const stateDir = freshStateDir();
  const ledger = await Ledger.open(stateDir, 'job');
  await ledger.recordResults([{ host: 'n1', ok: true, manifest: snap(file('a', 'h1')) }]);
  const id = ledger.hostState('n1').manifestId;
  await ledger.close();

  rmSync(join(ledger.dir, 'manifests', `${id}.json`));
  const repaired = await Ledger.open(stateDir, 'job');
  assert.equal(repaired.hostState('n1').manifestId, null);
  assert.match(repaired.warnings[0] ?? '', /n1: manifest [0-9a-f]{64} is missing/);
  await repaired.close();

  writeFileSync(
    join(ledger.dir, 'hosts.json'),
    '{"version":1,"manifests":[],"dirtySets":[],"hosts":[{"host":"n1"}]}',
  );
  await assert.rejects(
    Ledger.open(stateDir, 'job'),
    (e) =>
      e instanceof LedgerError &&
      e.message.includes(join(ledger.dir, 'hosts.json')) &&
      /bad host record/.test(e.message),
  );
  assert.equal(existsSync(join(ledger.dir, 'lock')), false, 'a failed open releases the lock');
  writeFileSync(join(ledger.dir, 'hosts.json'), '{');
  await assert.rejects(Ledger.open(stateDir, 'job'), LedgerError);
  writeFileSync(join(scratch, 'a-file'), '');
  await assert.rejects(
    Ledger.open(join(scratch, 'a-file'), 'job'),
    (e) => e instanceof LedgerError && /cannot create state dir/.test(e.message),
  );
});

test('leftover temp files of a crashed write are removed on open', async () => {
  const stateDir = freshStateDir();
  const ledger = await Ledger.open(stateDir, 'job');
  await ledger.close();
  writeFileSync(join(ledger.dir, '.tmp-hosts.json.123.abcd'), 'partial');
  writeFileSync(join(ledger.dir, 'manifests', '.tmp-x.json.123.abcd'), 'partial');
  await (await Ledger.open(stateDir, 'job')).close();
  assert.deepEqual(
    readdirSync(ledger.dir).filter((n) => n.startsWith('.tmp-')),
    [],
  );
  assert.deepEqual(readdirSync(join(ledger.dir, 'manifests')), []);
});

test('a read-only ledger (dry run) reads state while the job is locked, and writes nothing', async () => {
  const stateDir = freshStateDir();
  const writer = await Ledger.open(stateDir, 'job');
  const v1 = snap(file('a', 'h1'));
  await writer.recordResults([{ host: 'n1', ok: true, manifest: v1 }]);
  await writer.markInFlight(['n1'], ['b']);

  const reader = await Ledger.open(stateDir, 'job', { readOnly: true });
  assert.deepEqual(reader.hostState('n1').dirty, ['b']);
  assert.deepEqual([...(await reader.manifest(reader.hostState('n1').manifestId)).keys()], ['a']);
  await assert.rejects(
    reader.markInFlight(['n1'], ['c']),
    (e) => e instanceof LedgerError && /read-only/.test(e.message),
  );
  await assert.rejects(reader.recordResults([{ host: 'n1', ok: false, error: failure, at: 1 }]), LedgerError);
  await reader.close();
  assert.ok(existsSync(join(writer.dir, 'lock')), "the reader does not touch the writer's lock");

  // A missing manifest reads as "nothing known" without a repair being written.
  const id = writer.hostState('n1').manifestId;
  await writer.close();
  rmSync(join(writer.dir, 'manifests', `${id}.json`));
  const before = readFileSync(join(writer.dir, 'hosts.json'), 'utf8');
  const dry = await Ledger.open(stateDir, 'job', { readOnly: true });
  assert.equal(dry.hostState('n1').manifestId, null);
  assert.equal((await dry.manifest(dry.hostState('n1').manifestId)).size, 0);
  await dry.close();
  assert.equal(readFileSync(join(writer.dir, 'hosts.json'), 'utf8'), before);

  const missing = await Ledger.open(join(scratch, 'never-created'), 'job', { readOnly: true });
  assert.deepEqual(missing.knownHosts(), []);
  await missing.close();
  assert.equal(existsSync(join(scratch, 'never-created')), false);
});

test('forgetAll: every host is sent everything next time; dirty paths stay; manifests are collected', async () => {
  const ledger = await Ledger.open(freshStateDir(), 'job');
  await ledger.recordResults([{ host: 'n1', ok: true, manifest: snap(file('a', 'h1')) }]);
  await ledger.markInFlight(['n1'], ['x']);
  await ledger.forgetAll();
  assert.deepEqual(ledger.hostState('n1').manifestId, null);
  assert.deepEqual(ledger.hostState('n1').dirty, ['x']);
  assert.deepEqual(manifestFiles(ledger), []);
  const [plan] = await planHosts(ledger, ['n1'], snap(file('a', 'h1')), { noDelete: false });
  assert.deepEqual(
    plan?.changes.map((c) => `${c.op} ${c.path}`),
    ['delete x', 'write a'],
  );
  await ledger.close();
});
