import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EntryType } from '../types.js';
import { compileRules, type CompiledRules } from './compile-rules.js';
import { parseRules } from './parse-rules.js';

function rules(text: string, defaultExcludes = true): CompiledRules {
  return compileRules(parseRules(text, 'rules.txt'), { defaultExcludes });
}

/** sync/walk/monitor as a compact string, e.g. "S W M", "- W M", "- - -". */
function actions(matcher: CompiledRules, path: string, type: EntryType): string {
  const d = matcher.decide(path, type);
  return `${d.sync ? 'S' : '-'} ${d.walk ? 'W' : '-'} ${d.monitor ? 'M' : '-'}`;
}

describe('decide: order and defaults', () => {
  test('no rules: everything permitted (clsync default), non-directories are never walked', () => {
    const m = rules('');
    assert.equal(actions(m, 'motd', 'file'), 'S - -');
    assert.equal(actions(m, 'skel', 'dir'), 'S W M');
    assert.equal(actions(m, '', 'dir'), 'S W M');
    assert.equal(m.decide('motd', 'file').decidedBy, undefined);
  });

  test('first match wins', () => {
    const m = rules('-f^passwd$\n+f^passwd$\n+f^group$\n-f^group$\n');
    assert.equal(m.decide('passwd', 'file').sync, false);
    assert.equal(m.decide('group', 'file').sync, true);
    assert.equal(m.decide('group', 'file').decidedBy?.line, 3);
  });

  test('nothing matched: default permit even after other rules', () => {
    const m = rules('-f\\.bak$\n');
    assert.equal(m.decide('motd', 'file').sync, true);
    assert.equal(m.decide('motd.bak', 'file').sync, false);
  });

  test('a rule only decides the actions and types it names', () => {
    const m = rules('-s^ssh$\n+d^ssh$\n-*\n');
    assert.equal(actions(m, 'ssh', 'dir'), '- W M', '-s decides sync only; +d then grants walk and monitor');
    assert.equal(m.decide('ssh', 'dir').decidedBy?.line, 1);
    const w = rules('-w^ssh$\n+d^ssh$\n');
    assert.equal(
      actions(w, 'ssh', 'dir'),
      'S - M',
      '-w decides walk; +d is the first rule deciding sync and monitor',
    );
    assert.equal(actions(rules('-w^ssh$\n-*\n'), 'ssh', 'dir'), '- - -', 'monitor follows walk');
  });
});

describe('decide: clsync traps fixed', () => {
  test('+f^ssh/sshd_config$ then -*: root and ssh are walked and monitored, not synced', () => {
    const m = rules('+f^passwd$\n+f^ssh/sshd_config$\n-*\n');
    for (const dir of ['', 'ssh']) {
      const d = m.decide(dir, 'dir');
      assert.deepEqual(
        { sync: d.sync, walk: d.walk, monitor: d.monitor, autoWalk: d.autoWalk },
        { sync: false, walk: true, monitor: true, autoWalk: true },
        dir,
      );
      assert.equal(d.decidedBy?.line, 3);
    }
    assert.equal(actions(m, 'skel', 'dir'), '- - -', 'nothing permitted can lie below skel');
    assert.equal(actions(m, 'ssh/sshd_config.d', 'dir'), '- - -');
    assert.equal(actions(m, 'ssh/sshd_config', 'file'), 'S - -');
    assert.equal(actions(m, 'ssh/ssh_config', 'file'), '- - -');
    assert.equal(actions(m, 'motd', 'file'), '- - -');
  });

  test('a directory created later under a permitted dir gets the same answer (decide is pure)', () => {
    const m = rules('+ /slurm/***\n-*\n');
    assert.equal(actions(m, 'slurm/new/deeper', 'dir'), 'S W M');
    assert.deepEqual(m.decide('slurm/new', 'dir'), m.decide('slurm/new', 'dir'));
  });

  test('W is walk+monitor (clsync parsed it as w)', () => {
    const m = rules('+W^$\n+W^ssh$\n+f^ssh/sshd_config$\n-*\n');
    const d = m.decide('ssh', 'dir');
    assert.equal(actions(m, 'ssh', 'dir'), '- W M');
    assert.equal(d.autoWalk, undefined, 'walked by the rule, not automatically');
  });

  test('+w also monitors (monitor follows walk), so directories created later are watched', () => {
    const m = rules('+w^ssh$\n-*\n');
    assert.equal(actions(m, 'ssh', 'dir'), '- W M');
  });

  test('an m rule decides monitor on its own', () => {
    assert.equal(actions(rules('-m^ssh$\n+d^ssh$\n'), 'ssh', 'dir'), 'S W -');
    assert.equal(actions(rules('+m^ssh$\n-*\n'), 'ssh', 'dir'), '- - M');
  });

  test('+f^passwd (unanchored end) matches passwd-, but the built-in exclude catches it', () => {
    const m = rules('+f^passwd\n-*\n');
    assert.equal(m.decide('passwd', 'file').sync, true);
    assert.equal(m.decide('passwd-', 'file').builtinExclude, 'passwd-');
    assert.equal(m.decide('passwd+', 'file').sync, false);
    assert.equal(m.decide('passwd.lock', 'file').builtinExclude, '*.lock');
    const unprotected = rules('+f^passwd\n-*\n', false);
    assert.equal(unprotected.decide('passwd-', 'file').sync, true, 'the clsync behaviour without built-ins');
  });

  test('symlinks: f covers regular files and symlinks (clsync initial sync), l symlinks only', () => {
    const m = rules('+f^localtime$\n+l^hosts$\n-*\n');
    assert.equal(m.decide('localtime', 'symlink').sync, true);
    assert.equal(m.decide('localtime', 'file').sync, true);
    assert.equal(m.decide('hosts', 'symlink').sync, true);
    assert.equal(m.decide('hosts', 'file').sync, false, 'a regular file named hosts is not an l match');
    assert.equal(m.decide('localtime', 'dir').sync, false, 'f does not speak about directories');
  });

  test('*-type rules apply to every type', () => {
    const m = rules('+*\\.conf$\n-*\n');
    assert.equal(m.decide('a.conf', 'file').sync, true);
    assert.equal(m.decide('a.conf', 'symlink').sync, true);
    assert.equal(m.decide('a.conf', 'dir').sync, true);
  });
});

describe('decide: auto-walk', () => {
  test('an explicit -d (or - dir/) blocks auto-walk even when a permitted file lies below', () => {
    const m = rules('+f^ssh/sshd_config$\n-d^ssh$\n-*\n');
    const d = m.decide('ssh', 'dir');
    assert.equal(actions(m, 'ssh', 'dir'), '- - -');
    assert.equal(d.autoWalk, undefined);
    assert.equal(d.decidedBy?.line, 2);
    const glob = rules('+ /ssh/sshd_config\n- ssh/\n- **\n');
    assert.equal(actions(glob, 'ssh', 'dir'), '- - -');
    const walkOnly = rules('+f^ssh/sshd_config$\n-w^ssh$\n-*\n');
    assert.equal(actions(walkOnly, 'ssh', 'dir'), '- - -');
  });

  test('a generic glob deny (no trailing /) is like -*: walked when something below is permitted', () => {
    const m = rules('+ /cache/keep\n- cache\n');
    assert.equal(actions(m, 'cache', 'dir'), '- W M');
    assert.equal(m.decide('cache', 'dir').autoWalk, true);
    assert.equal(m.decide('cache/keep', 'file').sync, true);
    assert.equal(m.decide('cache/other', 'file').sync, true, 'default permit for what no rule names');
    const plain = rules('- cache\n');
    assert.equal(
      actions(plain, 'cache', 'dir'),
      '- - -',
      'rsync meaning: an excluded directory is not entered',
    );
  });

  test('regex prefixes: ^slurm/ walks slurm, not other directories', () => {
    const m = rules('+f^slurm/[^/]+\\.conf$\n+f^munge/munge\\.key$\n-*\n');
    assert.equal(actions(m, 'slurm', 'dir'), '- W M');
    assert.equal(actions(m, 'munge', 'dir'), '- W M');
    assert.equal(
      actions(m, 'slurm/plugstack.conf.d', 'dir'),
      '- W M',
      'prefix slurm/ may continue anywhere below',
    );
    assert.equal(actions(m, 'ssh', 'dir'), '- - -');
    assert.equal(m.decide('slurm/slurm.conf', 'file').sync, true);
    assert.equal(m.decide('slurm/x/y.conf', 'file').sync, false);
  });

  test('an unanchored + rule may match below any directory', () => {
    const m = rules('+f\\.conf$\n-*\n');
    assert.equal(actions(m, 'any/where', 'dir'), '- W M');
    const glob = rules('+ ssh/sshd_config\n- **\n');
    assert.equal(actions(glob, 'chroot/etc', 'dir'), '- W M');
  });

  test('+ rules after a catch-all deny can never win and do not cause walking', () => {
    const m = rules('+f^passwd$\n-*\n+f^ssh/sshd_config$\n');
    assert.equal(actions(m, 'ssh', 'dir'), '- - -');
    assert.equal(actions(rules('- **\n+f^ssh/x$\n'), 'ssh', 'dir'), '- - -');
  });

  test('the root with "- **": ** does not match the empty path, so the root is walked by default', () => {
    const m = rules('+ /passwd\n- **\n');
    assert.equal(actions(m, '', 'dir'), 'S W M');
    assert.equal(actions(m, 'skel', 'dir'), '- - -');
    assert.equal(m.decide('passwd', 'file').sync, true);
    assert.equal(m.decide('motd', 'file').sync, false);
  });
});

describe('decide: glob semantics through the matcher', () => {
  test('name anywhere, anchored, directory-only, **, ***', () => {
    const m = rules('- *.bak\n+ /passwd\n- tmp/\n+ /slurm/***\n+ /ssh/**\n- **\n');
    assert.equal(m.decide('x/y.bak', 'file').sync, false);
    assert.equal(m.decide('passwd', 'file').sync, true);
    assert.equal(m.decide('skel/passwd', 'file').sync, false);
    assert.equal(m.decide('tmp', 'dir').walk, false);
    assert.equal(m.decide('tmp', 'file').decidedBy?.line, 6, '- tmp/ does not apply to a file named tmp');
    assert.equal(m.decide('slurm', 'dir').sync, true);
    assert.equal(m.decide('slurm/a/b.conf', 'file').sync, true);
    assert.equal(m.decide('ssh', 'dir').sync, false, 'ssh/** is strictly below ssh');
    assert.equal(m.decide('ssh', 'dir').walk, true, 'but ssh is walked to reach it');
    assert.equal(m.decide('ssh/sshd_config', 'file').sync, true);
  });
});

describe('decide: built-in excludes', () => {
  test('come before user rules, block walking, and name the pattern', () => {
    const m = rules('+*\n');
    const d = m.decide('ssh/ssh_host_ed25519_key', 'file');
    assert.deepEqual(d, { sync: false, walk: false, monitor: false, builtinExclude: 'ssh_host_*' });
    assert.equal(actions(m, 'x.tmp', 'dir'), '- - -');
    assert.equal(m.decide('machine-id', 'file').sync, false);
    assert.equal(m.decide('a/b/.sshd_config.swp', 'file').sync, false);
  });

  test('can be disabled, except our own temp files', () => {
    const m = rules('+*\n', false);
    assert.equal(m.decide('ssh/ssh_host_ed25519_key', 'file').sync, true);
    assert.equal(
      m.decide('.passwd.clsync-hpc.4f2a', 'file').builtinExclude,
      '.*.clsync-hpc.*, .clsync-hpc.*',
    );
    // the temp of a name too long for the usual one
    assert.equal(m.decide('d/.clsync-hpc.4f2a.9f8e7d6c', 'file').sync, false);
    assert.equal(m.decide('clsync-hpc.conf', 'file').sync, true);
    assert.equal(m.decide('.myclsync-hpc.x', 'file').sync, true);
    assert.equal(m.builtinExcludes.length, 1);
  });

  test('the root and ordinary names are never built-in excluded', () => {
    const m = rules('');
    for (const path of [
      '',
      'passwd',
      'group',
      'shadow',
      'gshadow',
      'ssh/sshd_config',
      'ssh/ssh_known_hosts',
      'munge/munge.key',
      'slurm/slurm.conf',
      'hosts',
      'sudoers',
      'sudoers.d/hpc',
      'security/limits.conf',
      'resolv.conf',
      'localtime',
      'sed',
      'sedit.conf',
    ]) {
      assert.equal(m.decide(path, path === '' ? 'dir' : 'file').builtinExclude, undefined, path);
    }
  });
});

test('compileRules exposes the rules it was given', () => {
  const parsed = parseRules('+f^passwd$\n-*\n', 'r');
  assert.deepEqual(compileRules(parsed, { defaultExcludes: true }).rules, parsed);
});

test('decide() builds no RegExp per call (everything is compiled once)', () => {
  const m = rules('+f^passwd$\n+ /slurm/***\n- tmp/\n+f\\.conf$\n-*\n');
  const original = globalThis.RegExp;
  let constructed = 0;
  globalThis.RegExp = new Proxy(original, {
    construct(target, args: [string, string?]) {
      constructed++;
      return new target(...args);
    },
  });
  try {
    for (const path of ['passwd', 'slurm/a', 'tmp', 'x/y.conf', 'motd', '.x.swp', 'sedAb12Cd']) {
      m.decide(path, 'file');
      m.decide(path, 'dir');
    }
  } finally {
    globalThis.RegExp = original;
  }
  assert.equal(constructed, 0);
});
