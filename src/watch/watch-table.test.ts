import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSameOrBelow, joinRelative, WatchTable } from './watch-table.js';

describe('WatchTable', () => {
  it('maps wds to relative paths both ways', () => {
    const table = new WatchTable();
    table.set(1, '');
    table.set(2, 'ssh');
    assert.equal(table.pathOf(2), 'ssh');
    assert.equal(table.wdOf(''), 1);
    assert.equal(table.size, 2);
    assert.equal(table.removeWd(2), 'ssh');
    assert.equal(table.wdOf('ssh'), undefined);
  });

  it('re-keys a renamed subtree and leaves look-alike siblings alone', () => {
    const table = new WatchTable();
    table.set(1, 'a');
    table.set(2, 'a/b');
    table.set(3, 'a/b/c');
    table.set(4, 'ab');
    table.movePrefix('a', 'z/y');
    assert.deepEqual(
      [1, 2, 3, 4].map((wd) => table.pathOf(wd)),
      ['z/y', 'z/y/b', 'z/y/b/c', 'ab'],
    );
    assert.equal(table.wdOf('a/b'), undefined);
  });

  it('a re-created directory (new wd) replaces the old one; the late IN_IGNORED removes only the old wd', () => {
    const table = new WatchTable();
    table.set(5, 'conf.d');
    table.set(9, 'conf.d');
    assert.equal(table.removeWd(5), undefined);
    assert.equal(table.wdOf('conf.d'), 9);
  });

  it('the same wd seen under a new path (add_watch on a moved inode) follows it', () => {
    const table = new WatchTable();
    table.set(5, 'old');
    table.set(5, 'new');
    assert.equal(table.wdOf('old'), undefined);
    assert.equal(table.pathOf(5), 'new');
  });

  it('finds watches not confirmed since an epoch', () => {
    const table = new WatchTable();
    table.set(1, '', 0);
    table.set(2, 'gone', 0);
    table.set(1, '', 1);
    assert.deepEqual(table.entriesConfirmedBefore(1), [['gone', 2]]);
  });

  it('path helpers', () => {
    assert.equal(joinRelative('', 'passwd'), 'passwd');
    assert.equal(joinRelative('ssh', 'sshd_config'), 'ssh/sshd_config');
    assert.ok(isSameOrBelow('a/b', 'a'));
    assert.ok(isSameOrBelow('a', 'a'));
    assert.ok(isSameOrBelow('anything', ''));
    assert.ok(!isSameOrBelow('ab', 'a'));
  });
});
