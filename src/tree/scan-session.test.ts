// ScanSession against a scripted engine: the races a real tree rarely shows on demand (an entry
// replaced between readdir and lstat, a directory vanishing while its content is being listed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TreeEntry } from '../types.js';
import { EMPTY_SHA256, type HashOutcome } from './hash-file.js';
import { DirentKind } from './list-directory.js';
import type { LstatJob } from './lstat-job.js';
import { permitAll, sampleRules } from './matchers-for-tests.js';
import { FIELDS_PER_STAT, type LstatBatch, StatKind } from './raw-stat.js';
import { ScanSession } from './scan-session.js';
import type { Listing, StatBackend } from './stat-engine.js';

type Kind = 'file' | 'dir' | 'gone';

/** A fake tree: what readdir says (d_type) and what lstat says, which may differ (a race). */
class ScriptedEngine implements StatBackend {
  /** Held lstat replies: released in the order the test chooses. */
  readonly held: (() => void)[] = [];

  constructor(
    private readonly listings: Record<string, Record<string, Kind>>,
    private readonly lstats: Record<string, Kind>,
    private readonly holdLstatOf: readonly string[] = [],
  ) {}

  async list(_dir: string, relDir: string): Promise<Listing> {
    const names = Object.keys(this.listings[relDir] ?? {}).sort();
    const kinds = Uint8Array.from(names, (n) =>
      this.listings[relDir]?.[n] === 'dir' ? DirentKind.Dir : DirentKind.File,
    );
    const paths = names.map((n) => (relDir === '' ? n : `${relDir}/${n}`));
    return { paths, kinds, undecodable: 0, source: { dir: relDir, names: paths } };
  }

  lstatListed(listing: Listing, indices: readonly number[]): Promise<LstatBatch> {
    const paths = indices.map((i) => listing.paths[i] as string);
    const batch = this.batch(paths);
    if (!paths.some((p) => this.holdLstatOf.includes(p))) return Promise.resolve(batch);
    return new Promise((resolve) => this.held.push(() => resolve(batch)));
  }

  forget(): void {}

  async lstat(job: LstatJob): Promise<LstatBatch> {
    return this.batch(job.names as string[]);
  }

  async hash(paths: readonly string[]): Promise<readonly HashOutcome[]> {
    return paths.map(() => ({ kind: 'ok', hash: 'h', bytes: 1 }));
  }

  private batch(paths: readonly string[]): LstatBatch {
    const fields = new Float64Array(paths.length * FIELDS_PER_STAT);
    paths.forEach((p, i) => {
      const kind = this.lstats[p] ?? 'gone';
      fields.set(
        [
          kind === 'file' ? StatKind.File : kind === 'dir' ? StatKind.Dir : StatKind.Gone,
          0o644,
          0,
          0,
          0,
          5,
          5,
          1,
        ],
        i * FIELDS_PER_STAT,
      );
    });
    return { fields, targets: new Map(), errors: new Map() };
  }
}

const brief = (entries: Iterable<TreeEntry>): string[] => [...entries].map((e) => `${e.type} ${e.path}`);

test('an entry replaced between readdir and lstat is taken as what lstat found (walked if now a directory)', async () => {
  const engine = new ScriptedEngine(
    { '': { a: 'dir', b: 'file', 'b-c': 'file' }, b: { inner: 'file' }, a: { old: 'file' } },
    { a: 'file', b: 'dir', 'b-c': 'file', 'b/inner': 'file', 'a/old': 'file' },
  );
  const session = new ScanSession('/fake', permitAll, engine, undefined);
  session.walkRoot();
  const snapshot = await session.finish();
  assert.deepEqual(brief(snapshot.values()), ['file a', 'dir b', 'file b-c', 'file b/inner']);
  assert.equal(snapshot.find((e) => e.path === 'a')?.hash, EMPTY_SHA256);
});

test('a directory that vanished after its content was listed takes its content with it', async () => {
  const engine = new ScriptedEngine(
    { '': { d: 'dir', e: 'file' }, d: { x: 'file', sub: 'dir' }, 'd/sub': { y: 'file' } },
    { e: 'file', 'd/x': 'file', 'd/sub': 'dir', 'd/sub/y': 'file' }, // lstat: d is gone
    ['d'],
  );
  const session = new ScanSession('/fake', permitAll, engine, undefined);
  session.walkRoot();
  const done = session.finish();
  // Let d's subtree be listed and stat'ed first, then deliver "d: gone".
  await new Promise((resolve) => setTimeout(resolve, 10));
  for (const release of engine.held) release();
  assert.deepEqual(brief((await done).values()), ['file e']);
});

test('a replaced entry that is now an auto-walked directory is an entry only if something below is', async () => {
  const engine = new ScriptedEngine(
    { '': { afull: 'file', aempty: 'file' }, afull: { 'k.conf': 'file' }, aempty: { 'x.tmp': 'file' } },
    { afull: 'dir', aempty: 'dir', 'afull/k.conf': 'file', 'aempty/x.tmp': 'file' },
  );
  const session = new ScanSession('/fake', sampleRules, engine, undefined);
  session.walkRoot();
  assert.deepEqual(brief((await session.finish()).values()), ['dir afull', 'file afull/k.conf']);
});
