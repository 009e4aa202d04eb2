import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { TransportError } from '../../errors.js';
import type { Batch, Change, TreeEntry } from '../../types.js';
import { APPLY_SCRIPT } from './apply-script.js';
import { buildStagePlan, formatMode, formatMtime } from './stage-plan.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const file = (path: string, extra: Partial<TreeEntry> = {}): TreeEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 1,
  mtimeMs: 1_700_000_000_123,
  hash: sha(path),
  ...extra,
});

function batch(changes: Change[], staged: [string, string][] = [], id = 'b1'): Batch {
  return { id, createdAt: 0, destDir: '/etc/', changes, staged: new Map(staged) };
}

test('manifest: header, one record per change in order, trailer', () => {
  const plan = buildStagePlan(
    batch(
      [
        { path: 'old dir', op: 'delete', previousType: 'dir' },
        {
          path: 'sub',
          op: 'mkdir',
          entry: { path: 'sub', type: 'dir', mode: 0o2755, uid: 0, gid: 50, size: 0, mtimeMs: 0 },
        },
        { path: 'sub/a b', op: 'write', entry: file('sub/a b', { mode: 0o4755, uid: 7, gid: 8 }) },
        {
          path: 'ln',
          op: 'symlink',
          entry: {
            path: 'ln',
            type: 'symlink',
            mode: 0o777,
            uid: 1,
            gid: 2,
            size: 0,
            mtimeMs: 0,
            target: '../x y',
          },
        },
        { path: 'passwd', op: 'meta', entry: file('passwd', { mode: 0o600 }) },
        {
          path: 'ln2',
          op: 'meta',
          entry: {
            path: 'ln2',
            type: 'symlink',
            mode: 0o777,
            uid: 3,
            gid: 4,
            size: 0,
            mtimeMs: 0,
            target: 'x',
          },
        },
      ],
      [['sub/a b', '/stage/1']],
    ),
  );
  assert.equal(
    plan.files.get('manifest'),
    [
      'clsync-hpc-manifest 1',
      'batch b1',
      'dest /etc',
      'delete 0 - - - - old\\0040dir -',
      'mkdir 1 02755 0 50 - sub -',
      'write 2 04755 7 8 1700000000.123 sub/a\\0040b -',
      'symlink 3 - 1 2 - ln ../x\\0040y',
      'meta-file 4 00600 0 0 1700000000.123 passwd -',
      'meta-link 5 - 3 4 - ln2 -',
      'end 6',
      '',
    ].join('\n'),
  );
  assert.deepEqual(plan.contents, [{ index: 2, source: '/stage/1' }]);
  assert.equal(plan.files.get('apply.sh'), APPLY_SCRIPT);
  const sums = plan.files.get('sums') ?? '';
  assert.match(sums, new RegExp(`^${sha(plan.files.get('manifest') ?? '')}  manifest$`, 'm'));
  assert.match(sums, new RegExp(`^${sha(APPLY_SCRIPT)}  apply.sh$`, 'm'));
  assert.match(sums, new RegExp(`^${sha('sub/a b')}  2$`, 'm'));
});

test('meta: content files grouped by owner, mode and mtime, at most 500 per line', () => {
  const changes: Change[] = [];
  const staged: [string, string][] = [];
  for (let i = 0; i < 1_001; i++) {
    const path = `f${i}`;
    changes.push({ path, op: 'write', entry: file(path, { uid: i % 2, mtimeMs: 1_000 }) });
    staged.push([path, `/s/${i}`]);
  }
  const lines = (buildStagePlan(batch(changes, staged)).files.get('meta') ?? '').trim().split('\n');
  const kinds = lines.map((l) => l.split(' ').slice(0, 2).join(' '));
  assert.deepEqual(kinds, [
    'owner 0:0',
    'owner 0:0',
    'owner 1:0',
    'mode 00644',
    'mode 00644',
    'mode 00644',
    'mtime 1.000',
    'mtime 1.000',
    'mtime 1.000',
  ]);
  assert.ok(lines.every((l) => l.split(' ').length - 2 <= 500));
  assert.equal(
    lines.filter((l) => l.startsWith('mode')).reduce((n, l) => n + l.split(' ').length - 2, 0),
    1_001,
  );
});

test('mode and mtime formats for chmod and touch -d @', () => {
  assert.equal(formatMode(0o100644), '00644');
  assert.equal(formatMode(0o4755), '04755');
  assert.equal(formatMtime(1_700_000_000_123), '1700000000.123');
  assert.equal(formatMtime(5), '0.005');
  assert.equal(formatMtime(-1_500), '-2.500');
});

test('a batch no node could apply is refused before anything is sent', () => {
  const bad = (b: Batch, re: RegExp) =>
    assert.throws(
      () => buildStagePlan(b),
      (e: unknown) => e instanceof TransportError && re.test(e.message),
    );
  bad(batch([{ path: 'a', op: 'write', entry: file('a') }]), /no staged content/);
  bad(batch([{ path: 'a', op: 'write', entry: file('a', { hash: 'nope' }) }], [['a', '/s']]), /no sha256/);
  bad(batch([{ path: 'a', op: 'mkdir' }]), /without an entry/);
  bad(batch([{ path: '../a', op: 'delete' }]), /not a clean relative path/);
  bad(batch([{ path: 'a//b', op: 'delete' }]), /not a clean relative path/);
  bad(batch([{ path: '/a', op: 'delete' }]), /not a clean relative path/);
  bad(batch([], [], 'b 1;rm'), /batch id/);
  bad({ ...batch([]), destDir: 'etc' }, /absolute/);
});
