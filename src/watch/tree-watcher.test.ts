// Real inotify on temp directories: every case drives the real helper process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PathMatcher } from '../rules/types.js';
import { startTreeWatcher } from './tree-watcher.js';
import type { TreeWatcher, TreeWatcherOptions, WatchHints } from './types.js';
import { isSameOrBelow } from './watch-table.js';

/** Stand-in for the rules engine: backup/temp names (`+`, `-`, `~`, sed's temp) and `private/` excluded. */
const matcher: PathMatcher = {
  decide(path) {
    const excluded = /(^|\/)private(\/|$)|[+~]$|(^|\/)passwd-$|(^|\/)sed[A-Za-z0-9]{6}$/.test(path);
    return { sync: !excluded, walk: !excluded, monitor: !excluded };
  },
};

class Recorder {
  readonly hints: WatchHints[] = [];
  readonly warnings: string[] = [];
  private waiters: Array<() => void> = [];
  readonly handlers = {
    onHints: (hints: WatchHints): void => {
      this.hints.push(hints);
      this.wake();
    },
    onWarning: (message: string): void => {
      this.warnings.push(message);
      this.wake();
    },
  };

  /** A path is covered when it, or a directory above it, was hinted (or a full rescan was). */
  covers(path: string, since = 0): boolean {
    return this.hints
      .slice(since)
      .some((h) => h.fullRescan || [...h.paths].some((p) => isSameOrBelow(path, p)));
  }

  hinted(path: string, since = 0): boolean {
    return this.hints.slice(since).some((h) => h.paths.has(path));
  }

  async waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.hints.map((h) =>
          h.fullRescan ? `FULL(${h.reason ?? ''})` : JSON.stringify([...h.paths]),
        );
        assert.fail(
          `timed out waiting for ${what}; hints: ${seen.join(' ')}; warnings: ${this.warnings.join(' | ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const sh = (cwd: string, script: string): void => {
  execFileSync('/bin/sh', ['-c', script], { cwd, stdio: 'ignore' });
};

function processExists(pid: number): boolean {
  // a zombie would still have /proc/<pid>: check that it is really gone (reaped)
  return existsSync(`/proc/${pid}`);
}

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'clsync-watch-test-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

async function withWatcher(
  setup: (root: string) => void,
  body: (ctx: { root: string; watcher: TreeWatcher; rec: Recorder }) => Promise<void>,
  options: TreeWatcherOptions = {},
): Promise<void> {
  const root = mkdtempSync(join(scratch, 'tree-'));
  writeFileSync(join(root, 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  mkdirSync(join(root, 'ssh'));
  writeFileSync(join(root, 'ssh', 'sshd_config'), 'Port 22\n');
  setup(root);
  const rec = new Recorder();
  const watcher = await startTreeWatcher(root, matcher, rec.handlers, options);
  try {
    await body({ root, watcher, rec });
  } finally {
    await watcher.close();
  }
}

describe('startTreeWatcher: edits', () => {
  it('watches every monitored directory before resolving, not excluded ones', async () => {
    await withWatcher(
      (root) => {
        mkdirSync(join(root, 'a/b/c'), { recursive: true });
        mkdirSync(join(root, 'private/deep'), { recursive: true });
      },
      async ({ watcher, root }) => {
        assert.equal(watcher.watchedDirectories, 5, 'root, ssh, a, a/b, a/b/c');
        assert.equal(watcher.root, root);
        assert.ok(typeof watcher.helperPid === 'number');
      },
    );
  });

  it('append, truncate + write, chmod: hinted, and not open once closed', async () => {
    await withWatcher(
      () => undefined,
      async ({ root, rec }) => {
        appendFileSync(join(root, 'passwd'), 'user:x:1000:1000::/home/user:/bin/sh\n');
        await rec.waitFor('passwd append', () => rec.hinted('passwd'));
        const mark = rec.hints.length;
        writeFileSync(join(root, 'ssh/sshd_config'), 'Port 2222\n');
        await rec.waitFor('sshd_config rewrite', () => rec.hinted('ssh/sshd_config', mark));
        const afterWrite = rec.hints.length;
        chmodSync(join(root, 'passwd'), 0o600);
        await rec.waitFor('chmod', () => rec.hinted('passwd', afterWrite));
        await sleep(50);
        const last = rec.hints.filter((h) => h.paths.has('ssh/sshd_config')).at(-1);
        assert.equal(last?.openForWrite?.has('ssh/sshd_config') ?? false, false);
      },
    );
  });

  it('atomic replace (cp passwd passwd+; mv passwd+ passwd): passwd hinted, the excluded temp name not', async () => {
    await withWatcher(
      () => undefined,
      async ({ root, rec }) => {
        sh(root, 'cp passwd passwd+ && echo "new:x:1001:1001::/:/bin/sh" >> passwd+ && mv passwd+ passwd');
        await rec.waitFor('passwd replaced', () => rec.hinted('passwd'));
        await sleep(50);
        assert.ok(!rec.covers('passwd+'), 'excluded by the rules: dropped early');
      },
    );
  });

  it('vipw style (edit a copy, keep a backup link, rename into place)', async () => {
    await withWatcher(
      () => undefined,
      async ({ root, rec }) => {
        sh(
          root,
          'cp -p passwd passwd.edit && echo "x:x:1:1::/:/bin/sh" >> passwd.edit && ln -f passwd passwd- && mv passwd.edit passwd',
        );
        await rec.waitFor('passwd', () => rec.hinted('passwd'));
        assert.ok(rec.hinted('passwd.edit'), 'the edit copy is hinted (the rescan finds it gone)');
      },
    );
  });

  it('sed -i (temp sedXXXXXX + rename)', async () => {
    await withWatcher(
      () => undefined,
      async ({ root, rec }) => {
        sh(root, "sed -i 's/root/toor/' passwd");
        await rec.waitFor('passwd', () => rec.hinted('passwd'));
        await sleep(50);
        assert.ok(
          !rec.hints.some((h) => [...h.paths].some((p) => p.startsWith('sed'))),
          'sed temp names excluded',
        );
        assert.match(readFileSync(join(root, 'passwd'), 'utf8'), /^toor/);
      },
    );
  });

  it('a slow writer stays in openForWrite until it closes the file', async () => {
    await withWatcher(
      () => undefined,
      async ({ root, rec }) => {
        const fd = openSync(join(root, 'slow'), 'w');
        writeSync(fd, 'part 1\n');
        await rec.waitFor('open mark', () => rec.hints.some((h) => h.openForWrite?.has('slow') === true));
        await sleep(300);
        const beforePart2 = rec.hints.length;
        writeSync(fd, 'part 2\n');
        await rec.waitFor('part 2', () => rec.hinted('slow', beforePart2));
        const whileOpen = rec.hints.slice(beforePart2).filter((h) => h.paths.has('slow'));
        assert.ok(
          whileOpen.every((h) => h.openForWrite?.has('slow') === true),
          'still open after part 2',
        );
        const mark = rec.hints.length;
        closeSync(fd);
        await rec.waitFor('close', () =>
          rec.hints.slice(mark).some((h) => h.paths.has('slow') && h.openForWrite?.has('slow') !== true),
        );
      },
    );
  });
});

describe('startTreeWatcher: big files', () => {
  it('hints carry the sizes of files at least bigFileThreshold bytes', async () => {
    await withWatcher(
      () => undefined,
      async ({ root, rec }) => {
        writeFileSync(join(root, 'image'), Buffer.alloc(5000));
        writeFileSync(join(root, 'small'), 'x');
        await rec.waitFor('both', () => rec.hinted('image') && rec.hinted('small'));
        const sized = rec.hints.filter((h) => h.sizes !== undefined);
        assert.ok(sized.length > 0 && sized.every((h) => !h.sizes?.has('small')));
        assert.equal(sized.at(-1)?.sizes?.get('image'), 5000);
      },
      { bigFileThreshold: 4096 },
    );
  });
});

describe('startTreeWatcher: directories', () => {
  it('mkdir -p a/b/c && echo > a/b/c/f at once: covered; later writes inside seen exactly', async () => {
    await withWatcher(
      () => undefined,
      async ({ root, rec, watcher }) => {
        sh(root, 'mkdir -p a/b/c && echo x > a/b/c/f && mkdir -p a/b/c/d/e && echo y > a/b/c/d/e/g');
        await rec.waitFor('a/b/c/f covered', () => rec.covers('a/b/c/f') && rec.covers('a/b/c/d/e/g'));
        await rec.waitFor('all watched', () => watcher.watchedDirectories === 7);
        const mark = rec.hints.length;
        writeFileSync(join(root, 'a/b/c/d/e/h'), 'z');
        await rec.waitFor('exact hint in the new deep dir', () => rec.hinted('a/b/c/d/e/h', mark));
      },
    );
  });

  it('a new excluded directory is neither watched nor hinted', async () => {
    await withWatcher(
      () => undefined,
      async ({ root, rec, watcher }) => {
        sh(root, 'mkdir -p private/x && echo s > private/x/secret && touch marker');
        await rec.waitFor('marker', () => rec.hinted('marker'));
        await sleep(50);
        assert.ok(!rec.covers('private/x/secret'));
        assert.equal(watcher.watchedDirectories, 2);
      },
    );
  });

  it('delete a file and a directory tree', async () => {
    await withWatcher(
      (root) => mkdirSync(join(root, 'conf.d/sub'), { recursive: true }),
      async ({ root, rec, watcher }) => {
        assert.equal(watcher.watchedDirectories, 4);
        sh(root, 'rm passwd && rm -r conf.d');
        await rec.waitFor('deletes', () => rec.hinted('passwd') && rec.covers('conf.d/sub'));
        await rec.waitFor('watches dropped', () => watcher.watchedDirectories === 2);
      },
    );
  });

  it('rename a file; rename a directory, then a write inside is seen under the new name', async () => {
    await withWatcher(
      (root) => mkdirSync(join(root, 'conf.d/sub'), { recursive: true }),
      async ({ root, rec, watcher }) => {
        renameSync(join(root, 'passwd'), join(root, 'passwd.old'));
        await rec.waitFor('file rename', () => rec.hinted('passwd') && rec.hinted('passwd.old'));
        renameSync(join(root, 'conf.d'), join(root, 'ssh/moved.d'));
        await rec.waitFor('dir rename', () => rec.hinted('conf.d') && rec.hinted('ssh/moved.d'));
        const mark = rec.hints.length;
        writeFileSync(join(root, 'ssh/moved.d/sub/new'), 'n');
        await rec.waitFor('write under the new name', () => rec.hinted('ssh/moved.d/sub/new', mark));
        assert.ok(!rec.covers('conf.d/sub/new', mark), 'no stale old path');
        assert.equal(watcher.watchedDirectories, 4);
      },
    );
  });

  it('a directory moved out of the tree loses its watches', async () => {
    await withWatcher(
      (root) => mkdirSync(join(root, 'conf.d/sub'), { recursive: true }),
      async ({ root, rec, watcher }) => {
        const outside = mkdtempSync(join(scratch, 'outside-'));
        renameSync(join(root, 'conf.d'), join(outside, 'conf.d'));
        await rec.waitFor('moved out', () => rec.hinted('conf.d'));
        await rec.waitFor('watches removed', () => watcher.watchedDirectories === 2);
        const mark = rec.hints.length;
        writeFileSync(join(outside, 'conf.d/sub/f'), 'x');
        writeFileSync(join(root, 'marker'), 'x');
        await rec.waitFor('marker', () => rec.hinted('marker', mark));
        assert.ok(!rec.covers('conf.d/sub/f', mark), 'events from outside the tree are not reported');
      },
    );
  });

  it('hostile names: newline, quotes, $(…), leading dash, unicode, in files and directories', async () => {
    const names = [
      'new\nline',
      'dq"sq\'',
      '$(touch pwned)',
      '-rf',
      'ünïcødé ✓',
      'back\\slash',
      ' lead space',
    ];
    await withWatcher(
      () => undefined,
      async ({ root, rec }) => {
        for (const name of names) writeFileSync(join(root, name), 'x');
        mkdirSync(join(root, 'dir\nwith $(x) "n"'));
        writeFileSync(join(root, 'dir\nwith $(x) "n"', '-f\nile'), 'x');
        await rec.waitFor(
          'every name',
          () => names.every((n) => rec.hinted(n)) && rec.covers('dir\nwith $(x) "n"/-f\nile'),
        );
        const mark = rec.hints.length;
        writeFileSync(join(root, 'dir\nwith $(x) "n"', '-f\nile'), 'y');
        await rec.waitFor('exact hint inside the hostile dir', () =>
          rec.hinted('dir\nwith $(x) "n"/-f\nile', mark),
        );
        assert.ok(!existsSync(join(root, 'pwned')) && !existsSync('pwned'));
      },
    );
  });
});

describe('startTreeWatcher: rewatch after a rules change', () => {
  it('watches newly monitored directories, drops the others, then asks for a full rescan', async () => {
    let watchLater = false;
    const changing: PathMatcher = {
      decide(path) {
        const monitored = watchLater || !/(^|\/)later(\/|$)/.test(path);
        return { sync: true, walk: monitored, monitor: monitored };
      },
    };
    const root = mkdtempSync(join(scratch, 'rewatch-'));
    mkdirSync(join(root, 'later/sub'), { recursive: true });
    const rec = new Recorder();
    const watcher = await startTreeWatcher(root, changing, rec.handlers);
    try {
      assert.equal(watcher.watchedDirectories, 1);
      watchLater = true;
      await watcher.rewatch('rules reloaded');
      assert.equal(watcher.watchedDirectories, 3);
      assert.ok(rec.hints.some((h) => h.fullRescan && h.reason === 'rules reloaded'));
      const mark = rec.hints.length;
      writeFileSync(join(root, 'later/sub/f'), 'x');
      await rec.waitFor('write in a newly watched dir', () => rec.hinted('later/sub/f', mark));
      watchLater = false;
      await watcher.rewatch('rules reloaded again');
      assert.equal(watcher.watchedDirectories, 1, 'watches of directories no longer monitored are removed');
    } finally {
      await watcher.close();
    }
  });
});

describe('startTreeWatcher: lost events are never silent', () => {
  it('queue overflow (helper stopped, 20,000 creations): warning + full rescan, then watching goes on', async (t) => {
    const maxQueued = Number(readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'));
    if (maxQueued >= 20_000) {
      t.skip(`fs.inotify.max_queued_events=${maxQueued}: 20,000 creations cannot overflow it`);
      return;
    }
    await withWatcher(
      (root) => mkdirSync(join(root, 'many')),
      async ({ root, rec, watcher }) => {
        const pid = watcher.helperPid;
        assert.ok(pid !== undefined);
        process.kill(pid, 'SIGSTOP');
        try {
          for (let i = 0; i < 20_000; i++) closeSync(openSync(join(root, 'many', `f${i}`), 'w'));
          mkdirSync(join(root, 'made-during-overflow'));
        } finally {
          process.kill(pid, 'SIGCONT');
        }
        await rec.waitFor('full rescan', () => rec.hints.some((h) => h.fullRescan), 15_000);
        assert.ok(
          rec.warnings.some((w) =>
            w.includes(
              `inotify queue overflowed (fs.inotify.max_queued_events=${maxQueued}): events were lost; doing a full rescan`,
            ),
          ),
          rec.warnings.join('\n'),
        );
        assert.equal(rec.hints.find((h) => h.fullRescan)?.reason, 'inotify queue overflow');
        // the resync walk watched the directory whose IN_CREATE was lost
        const mark = rec.hints.length;
        writeFileSync(join(root, 'made-during-overflow', 'f'), 'x');
        await rec.waitFor('write in a dir created during the overflow', () =>
          rec.hinted('made-during-overflow/f', mark),
        );
      },
    );
  });

  it('helper killed: warning, restart, full rescan after the watches are back', async () => {
    await withWatcher(
      () => undefined,
      async ({ root, rec, watcher }) => {
        const first = watcher.helperPid;
        assert.ok(first !== undefined);
        process.kill(first, 'SIGKILL');
        await rec.waitFor('restart', () =>
          rec.hints.some((h) => h.fullRescan && h.reason === 'inotify helper restarted'),
        );
        assert.match(
          rec.warnings.join('\n'),
          new RegExp(`inotify helper \\(pid ${first}\\) was killed by SIGKILL; restarting it in 50 ms`),
        );
        const second = watcher.helperPid;
        assert.ok(second !== undefined && second !== first);
        assert.ok(!processExists(first));
        assert.equal(watcher.watchedDirectories, 2);
        const mark = rec.hints.length;
        writeFileSync(join(root, 'ssh/after'), 'x');
        await rec.waitFor('events after the restart', () => rec.hinted('ssh/after', mark));
      },
      { restartDelayMs: 50 },
    );
  });

  it('watch limit (ENOSPC): loud warning naming fs.inotify.max_user_watches, periodic full rescans, recovery', async (t) => {
    // a private user namespace with its own, tiny watch limit: the machine's sysctls stay untouched
    const wrapper = join(scratch, 'python-in-userns.sh');
    const limitFile = join(scratch, 'limit');
    writeFileSync(limitFile, '3');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec unshare --user --map-root-user /bin/sh -c 'cat "$0" > /proc/sys/user/max_inotify_watches && exec /usr/bin/python3 "$@"' '${limitFile}' "$@"\n`,
      { mode: 0o755 },
    );
    try {
      execFileSync(wrapper, ['-c', 'pass']);
    } catch {
      t.skip('unprivileged user namespaces are not available here');
      return;
    }
    await withWatcher(
      () => undefined,
      async ({ root, rec, watcher }) => {
        assert.equal(watcher.watchedDirectories, 2, 'root and ssh');
        mkdirSync(join(root, 'x1'));
        await rec.waitFor('x1 watched', () => watcher.watchedDirectories === 3);
        mkdirSync(join(root, 'x2'));
        await rec.waitFor('x1 and x2 hinted', () => rec.hinted('x1') && rec.hinted('x2'));
        assert.equal(watcher.watchedDirectories, 3, 'the limit (3 here) allows no fourth watch');
        assert.match(
          rec.warnings.join('\n'),
          /inotify watch limit reached \(fs\.inotify\.max_user_watches=\d+\): cannot watch x2; raise fs\.inotify\.max_user_watches; changes there are found only by a full rescan every 0\.15 s/,
        );
        assert.ok(
          rec.hints.some((h) => h.fullRescan && h.reason === 'some directories cannot be watched'),
          'a full rescan at once',
        );
        const mark = rec.hints.length;
        await rec.waitFor(
          'periodic full rescans',
          () => rec.hints.slice(mark).filter((h) => h.fullRescan).length >= 2,
        );
        assert.equal(
          rec.warnings.filter((w) => w.includes('watch limit')).length,
          1,
          'a retry that fails again stays quiet',
        );
        // a watch is freed: the next period watches x2 and the periodic rescans stop
        rmSync(join(root, 'x1'), { recursive: true });
        await rec.waitFor('recovered', () =>
          rec.warnings.some((w) => w.includes('every monitored directory is watched again')),
        );
        assert.equal(watcher.watchedDirectories, 3);
        const recovered = rec.hints.length;
        writeFileSync(join(root, 'x2/f'), 'x');
        await rec.waitFor('x2 watched', () => rec.hinted('x2/f', recovered));
        await sleep(400);
        assert.ok(!rec.hints.slice(recovered).some((h) => h.fullRescan), 'no more periodic full rescans');
      },
      { python: wrapper, unwatchedRescanMs: 150 },
    );
  });

  it('root deleted: warning + full rescan, watched again once it is back', async () => {
    const root = mkdtempSync(join(scratch, 'rootlost-'));
    const rec = new Recorder();
    const watcher = await startTreeWatcher(root, matcher, rec.handlers, { unwatchedRescanMs: 100 });
    try {
      rmSync(root, { recursive: true });
      await rec.waitFor('root lost', () =>
        rec.hints.some((h) => h.fullRescan && h.reason === 'the watch root was deleted or moved away'),
      );
      assert.match(
        rec.warnings.join('\n'),
        /the watch root was deleted or moved away \(.*rootlost-.*\): nothing is watched until it is back/,
      );
      assert.equal(watcher.watchedDirectories, 0);
      mkdirSync(root);
      await rec.waitFor('watched again', () => watcher.watchedDirectories === 1);
      const mark = rec.hints.length;
      writeFileSync(join(root, 'passwd'), 'x');
      await rec.waitFor('events again', () => rec.hinted('passwd', mark));
    } finally {
      await watcher.close();
    }
  });

  it('close() leaves no process behind, even with the helper stopped', async () => {
    const rec = new Recorder();
    const root = mkdtempSync(join(scratch, 'close-'));
    const watcher = await startTreeWatcher(root, matcher, rec.handlers);
    const pid = watcher.helperPid;
    assert.ok(pid !== undefined && processExists(pid));
    process.kill(pid, 'SIGSTOP');
    await watcher.close();
    assert.ok(!processExists(pid), `helper ${pid} still exists`);
    assert.equal(watcher.helperPid, undefined);
  });

  it('the helper exits by itself when its parent dies (no orphan)', async () => {
    // a throw-away node process starts a watcher and is SIGKILLed: the helper must follow it
    const root = mkdtempSync(join(scratch, 'orphan-'));
    const compiled = import.meta.url.endsWith('.js'); // dist/ run, or tsx from src/
    const watcherModule = new URL(compiled ? './tree-watcher.js' : './tree-watcher.ts', import.meta.url).href;
    const script = `
      import { startTreeWatcher } from ${JSON.stringify(watcherModule)};
      const w = await startTreeWatcher(${JSON.stringify(root)}, { decide: () => ({ sync: true, walk: true, monitor: true }) }, { onHints() {}, onWarning() {} });
      console.log(w.helperPid);
      setInterval(() => {}, 1000);
    `;
    const { spawn } = await import('node:child_process');
    const loader = compiled ? [] : ['--import', 'tsx'];
    const child = spawn(process.execPath, [...loader, '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const helperPid = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    assert.ok(processExists(helperPid));
    child.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    // the helper is our grandchild: once it dies, init reaps it
    while (processExists(helperPid) && Date.now() < deadline) await sleep(20);
    assert.ok(!processExists(helperPid), `helper ${helperPid} survived its parent`);
  });

  it('start fails clearly without a usable python or root', async () => {
    await assert.rejects(
      startTreeWatcher(scratch, matcher, new Recorder().handlers, { python: '/nonexistent/python3' }),
      /cannot start the inotify helper \(\/nonexistent\/python3\)/,
    );
    await assert.rejects(
      startTreeWatcher(join(scratch, 'missing'), matcher, new Recorder().handlers),
      /cannot watch .*missing: ENOENT/,
    );
    writeFileSync(join(scratch, 'plain'), '');
    await assert.rejects(
      startTreeWatcher(join(scratch, 'plain'), matcher, new Recorder().handlers),
      /not a directory/,
    );
  });
});
