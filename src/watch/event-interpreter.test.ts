import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PathMatcher } from '../rules/types.js';
import { EventInterpreter } from './event-interpreter.js';
import type { InotifyEvent } from './inotify-event.js';
import {
  IN_ATTRIB,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_IGNORED,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_Q_OVERFLOW,
} from './inotify-mask.js';
import { WatchTable } from './watch-table.js';

/** Everything but `private/` and names ending in `+` (a stand-in for the real rules). */
const matcher: PathMatcher = {
  decide(path) {
    const excluded = /(^|\/)private(\/|$)|\+$/.test(path);
    return { sync: !excluded, walk: !excluded, monitor: !excluded };
  },
};

function ev(wd: number, mask: number, name = '', cookie = 0): InotifyEvent {
  return { wd, mask, cookie, name: Buffer.from(name) };
}

function setup(): { table: WatchTable; interpreter: EventInterpreter } {
  const table = new WatchTable();
  table.set(1, '');
  table.set(2, 'ssh');
  table.set(3, 'a');
  table.set(4, 'a/b');
  return { table, interpreter: new EventInterpreter(table, matcher) };
}

describe('EventInterpreter', () => {
  it('file events become paths relative to the root', () => {
    const { interpreter } = setup();
    const found = interpreter.interpret([
      ev(1, IN_MODIFY, 'passwd'),
      ev(2, IN_CLOSE_WRITE, 'sshd_config'),
      ev(2, IN_ATTRIB, 'key'),
    ]);
    assert.deepEqual([...found.paths], ['passwd', 'ssh/sshd_config', 'ssh/key']);
    assert.deepEqual(found.newDirs, []);
    assert.equal(found.overflow, false);
  });

  it('tracks files open for writing: IN_MODIFY until IN_CLOSE_WRITE (or the file goes away)', () => {
    const { interpreter } = setup();
    interpreter.interpret([ev(1, IN_CREATE, 'slow'), ev(1, IN_MODIFY, 'slow'), ev(1, IN_MODIFY, 'gone')]);
    assert.deepEqual([...interpreter.openForWrite], ['slow', 'gone']);
    interpreter.interpret([ev(1, IN_MODIFY, 'slow'), ev(1, IN_ATTRIB, 'slow')]);
    assert.ok(interpreter.openForWrite.has('slow'), 'IN_ATTRIB does not close');
    interpreter.interpret([ev(1, IN_CLOSE_WRITE, 'slow'), ev(1, IN_DELETE, 'gone')]);
    assert.deepEqual([...interpreter.openForWrite], []);
  });

  it('drops excluded paths early, files and directories', () => {
    const { interpreter } = setup();
    const found = interpreter.interpret([
      ev(1, IN_CREATE, 'passwd+'),
      ev(1, IN_MODIFY, 'passwd+'),
      ev(1, IN_CREATE | IN_ISDIR, 'private'),
      ev(1, IN_MOVED_TO, 'passwd'),
    ]);
    assert.deepEqual([...found.paths], ['passwd']);
    assert.deepEqual(found.newDirs, []);
    assert.equal(interpreter.openForWrite.size, 0);
  });

  it('a new directory is to be watched (and hinted once watched), not hinted at once', () => {
    const { interpreter } = setup();
    const found = interpreter.interpret([ev(3, IN_CREATE | IN_ISDIR, 'new')]);
    assert.deepEqual(found.newDirs, ['a/new']);
    assert.equal(found.paths.size, 0);
  });

  it('a directory renamed inside the tree: watches re-keyed, old path hinted, new path re-registered', () => {
    const { table, interpreter } = setup();
    const found = interpreter.interpret([
      ev(1, IN_MOVED_FROM | IN_ISDIR, 'a', 77),
      ev(2, IN_MOVED_TO | IN_ISDIR, 'z', 77),
      ev(3, IN_MOVE_SELF),
      ev(4, IN_MODIFY, 'f'),
    ]);
    assert.deepEqual(found.newDirs, ['ssh/z']);
    assert.deepEqual(found.departedDirs, []);
    assert.deepEqual([...found.paths], ['a', 'ssh/z', 'ssh/z/b/f']);
    assert.equal(table.pathOf(4), 'ssh/z/b');
  });

  it('a directory moved out of the tree (no IN_MOVED_TO) departs', () => {
    const { interpreter } = setup();
    const found = interpreter.interpret([ev(1, IN_MOVED_FROM | IN_ISDIR, 'a', 5), ev(3, IN_MOVE_SELF)]);
    assert.deepEqual(found.departedDirs, ['a']);
    assert.ok(found.paths.has('a'));
  });

  it('a directory moved to an excluded name departs too', () => {
    const { interpreter } = setup();
    const found = interpreter.interpret([
      ev(1, IN_MOVED_FROM | IN_ISDIR, 'a', 5),
      ev(1, IN_MOVED_TO | IN_ISDIR, 'private', 5),
    ]);
    assert.deepEqual(found.departedDirs, ['a']);
  });

  it('a directory moved in from outside is new', () => {
    const { interpreter } = setup();
    const found = interpreter.interpret([ev(1, IN_MOVED_TO | IN_ISDIR, 'conf.d', 9)]);
    assert.deepEqual(found.newDirs, ['conf.d']);
  });

  it('deleted directories: path hinted, IN_IGNORED forgets the watch, open files below forgotten', () => {
    const { table, interpreter } = setup();
    interpreter.interpret([ev(4, IN_MODIFY, 'log')]);
    const found = interpreter.interpret([
      ev(4, IN_DELETE, 'log'),
      ev(4, IN_DELETE_SELF),
      ev(4, IN_IGNORED),
      ev(3, IN_DELETE | IN_ISDIR, 'b'),
    ]);
    assert.deepEqual([...found.paths], ['a/b/log', 'a/b']);
    assert.equal(table.pathOf(4), undefined);
    assert.equal(interpreter.openForWrite.size, 0);
  });

  it('events of removed watches are ignored', () => {
    const { interpreter } = setup();
    assert.equal(interpreter.interpret([ev(99, IN_MODIFY, 'x')]).paths.size, 0);
  });

  it('queue overflow is reported', () => {
    const { interpreter } = setup();
    assert.equal(interpreter.interpret([ev(-1, IN_Q_OVERFLOW)]).overflow, true);
  });

  it('the root going away is reported', () => {
    const { interpreter } = setup();
    assert.match(interpreter.interpret([ev(1, IN_DELETE_SELF)]).rootLost ?? '', /deleted or moved/);
    assert.match(interpreter.interpret([ev(1, IN_MOVE_SELF)]).rootLost ?? '', /deleted or moved/);
  });

  it('hostile names pass through untouched; invalid UTF-8 falls back to the parent directory', () => {
    const { interpreter } = setup();
    const hostile = 'x\ny "q" $(rm -rf) -n ü';
    assert.deepEqual([...interpreter.interpret([ev(2, IN_CLOSE_WRITE, hostile)]).paths], [`ssh/${hostile}`]);
    const invalid = interpreter.interpret([
      { wd: 2, mask: IN_CLOSE_WRITE, cookie: 0, name: Buffer.from([0x66, 0xff]) },
    ]);
    assert.deepEqual([...invalid.paths], ['ssh']);
    assert.match(invalid.warnings[0] ?? '', /not valid UTF-8/);
  });
});
