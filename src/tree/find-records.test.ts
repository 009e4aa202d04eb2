import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FoundDirectory, FindRecordParser, parseTime, sortedDirectory } from './find-records.js';
import { DirentKind } from './list-directory.js';
import { StatKind } from './raw-stat.js';

const rec = (head: string, path: string | Buffer, target = ''): Buffer =>
  Buffer.concat([
    Buffer.from(`${head} `),
    Buffer.from(path),
    Buffer.from([0]),
    Buffer.from(target),
    Buffer.from([0]),
  ]);

function parseAll(chunks: Buffer[]): FoundDirectory[] {
  const out: FoundDirectory[] = [];
  const parser = new FindRecordParser((d) => out.push(d));
  for (const c of chunks) parser.push(c);
  parser.end();
  return out;
}

test('times come out exactly as Node computes Stats.mtimeMs (sec * 1000 + nsec / 1e6)', () => {
  const at = (s: string): number => parseTime(Buffer.from(`${s} `), 0);
  assert.equal(at('1796310666.4211882870'), 1796310666 * 1000 + 421188287 / 1e6);
  // find prints negative times as signed seconds plus the (positive) nanoseconds.
  assert.equal(at('-315619200.5000000000'), -315619199500);
  assert.equal(at('12'), 12000);
});

test('records are grouped per directory, whatever the chunk boundaries', () => {
  const bytes = Buffer.concat([
    rec('f 644 1000 100 5 10.0000000000 20.0000000000 7', 'a/x'),
    rec('l 777 0 0 3 1.0000000000 2.0000000000 8', 'a/ln', 'x y'),
    rec('d 4755 0 0 4096 1.0000000000 2.0000000000 9', 'a/b/c'),
    rec('p 600 0 0 0 1.0000000000 2.0000000000 10', 'a/b/fifo'),
  ]);
  const splits: Buffer[][] = [Array.from(bytes, (b) => Buffer.from([b]))]; // one byte per chunk
  for (let cut = 1; cut < bytes.length; cut += 7) {
    splits.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
    for (let cut2 = cut + 1; cut2 < bytes.length; cut2 += 11)
      splits.push([bytes.subarray(0, cut), bytes.subarray(cut, cut2), bytes.subarray(cut2)]);
  }
  for (const chunks of splits) {
    const found = parseAll(chunks);
    assert.deepEqual(
      found.map((d) => [d.dir, d.paths]),
      [
        ['a', ['a/x', 'a/ln']],
        ['a/b', ['a/b/c', 'a/b/fifo']],
      ],
    );
    const [a, b] = found as [FoundDirectory, FoundDirectory];
    assert.deepEqual(a.fields.slice(0, 8), [StatKind.File, 0o644, 1000, 100, 5, 10000, 20000, 7]);
    assert.equal(a.targets.get(1), 'x y');
    assert.deepEqual(b.kinds, [DirentKind.Dir, DirentKind.Fifo]);
    assert.equal(b.fields[1], 0o4755);
    assert.equal(b.fields[8], StatKind.Other);
  }
});

test('names may hold newlines, spaces, quotes and $(…); non-UTF-8 names are counted, not listed', () => {
  const odd = 'd/new\nline "q" $(rm -rf x)';
  const bad = Buffer.concat([Buffer.from('d/'), Buffer.from([0xff, 0xfe])]);
  const [d] = parseAll([
    Buffer.concat([
      rec('f 644 0 0 0 1.0000000000 1.0000000000 1', odd),
      rec('f 644 0 0 0 1.0000000000 1.0000000000 2', bad),
      rec('l 777 0 0 0 1.0000000000 1.0000000000 3', 'd/ln', '\xff'),
    ]),
  ]);
  assert.deepEqual(d?.paths, [odd, 'd/ln']);
  assert.equal(d?.undecodable, 1);
  const badTarget = Buffer.concat([
    Buffer.from('f 644 0 0 0 1.0000000000 1.0000000000 3 d/l2\0'),
    Buffer.from([0xc3, 0]),
  ]);
  const [e] = parseAll([Buffer.from(badTarget.toString('latin1').replace('f 644', 'l 777'), 'latin1')]);
  assert.equal(e?.fields[0], StatKind.Failed);
  assert.match(e?.errors.get(0) ?? '', /not valid UTF-8/);
});

test('a cut-off last record is an error (find was killed mid-write)', () => {
  const parser = new FindRecordParser(() => undefined);
  parser.push(Buffer.from('f 644 0 0 0 1.0 1.0 1 d/x\0'));
  assert.throws(() => parser.end(), /middle of a record/);
});

test('sortedDirectory puts entries in name order and keeps their stats, targets and errors with them', () => {
  const [d] = parseAll([
    Buffer.concat([
      rec('f 644 0 0 3 1.0000000000 1.0000000000 30', 'd/c'),
      rec('l 777 0 0 1 1.0000000000 1.0000000000 20', 'd/b', 't'),
      rec('f 600 0 0 1 1.0000000000 1.0000000000 10', 'd/a'),
    ]),
  ]);
  const sorted = sortedDirectory(d as FoundDirectory);
  assert.deepEqual(sorted.paths, ['d/a', 'd/b', 'd/c']);
  assert.deepEqual([...sorted.kinds], [DirentKind.File, DirentKind.Symlink, DirentKind.File]);
  assert.deepEqual([sorted.batch.fields[7], sorted.batch.fields[15], sorted.batch.fields[23]], [10, 20, 30]);
  assert.deepEqual([...sorted.batch.targets], [[1, 't']]);
});
