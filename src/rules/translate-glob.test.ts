import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GLOB_FLAGS, translateGlob } from './translate-glob.js';

function matches(glob: string): (path: string) => boolean {
  const translation = translateGlob(glob);
  assert.ok(translation.ok, `${glob}: ${translation.ok ? '' : translation.problem}`);
  const regex = new RegExp(translation.source, GLOB_FLAGS);
  return (path) => regex.test(path);
}

function problem(glob: string): string {
  const translation = translateGlob(glob);
  assert.ok(!translation.ok, `${glob} should be refused`);
  return translation.problem;
}

describe('translateGlob: rsync filter semantics', () => {
  test('a pattern without / matches the name in any directory, dot files included', () => {
    const swp = matches('*.swp');
    assert.ok(swp('x.swp'));
    assert.ok(swp('a/b/.x.swp'));
    assert.ok(!swp('x.swp.bak'));
    assert.ok(matches('passwd')('a/passwd'));
    assert.ok(!matches('passwd')('passwd-'));
  });

  test('a leading / anchors at the watch dir', () => {
    const passwd = matches('/passwd');
    assert.ok(passwd('passwd'));
    assert.ok(!passwd('skel/passwd'));
    assert.ok(matches('/ssh/*_config')('ssh/sshd_config'));
    assert.ok(!matches('/ssh/*_config')('x/ssh/sshd_config'));
  });

  test('a pattern with / (not leading) matches the end of the path at a / boundary', () => {
    const sshd = matches('ssh/sshd_config');
    assert.ok(sshd('ssh/sshd_config'));
    assert.ok(sshd('chroot/etc/ssh/sshd_config'));
    assert.ok(!sshd('xssh/sshd_config'));
    assert.ok(!sshd('ssh/sshd_config.d/x'));
  });

  test('* and ? stop at /, ** crosses it', () => {
    assert.ok(!matches('/a*z')('a/z'));
    assert.ok(!matches('/a?z')('a/z'));
    assert.ok(matches('/a?z')('abz'));
    assert.ok(matches('/a/**/z')('a/b/c/z'));
    assert.ok(matches('/a/**/z')('a/z'));
    assert.ok(matches('**')('any/depth/.at/all'));
  });

  test('dir/** is strictly below dir; dir/*** is dir and everything below', () => {
    const below = matches('/slurm/**');
    assert.ok(!below('slurm'));
    assert.ok(below('slurm/slurm.conf'));
    assert.ok(below('slurm/plugstack.conf.d/x.conf'));
    const all = matches('/slurm/***');
    assert.ok(all('slurm'));
    assert.ok(all('slurm/slurm.conf'));
    assert.ok(all('slurm/a/b'));
    assert.ok(!all('slurmdbd.conf'));
    assert.ok(!all('x/slurm'));
    assert.ok(matches('slurm/***')('x/slurm/y'), 'unanchored: at any depth');
  });

  test('a trailing / is reported as directories-only and still matches the name', () => {
    const translation = translateGlob('tmp/');
    assert.ok(translation.ok && translation.dirOnly && !translation.anchored);
    assert.ok(matches('tmp/')('var/tmp'));
  });

  test('brackets, posix classes and backslash escapes; no brace, extglob or regex syntax', () => {
    assert.ok(matches('/file[0-9]')('file7'));
    assert.ok(!matches('/file[!0-9]')('file7'));
    assert.ok(matches('/file[^0-9]')('filex'));
    assert.ok(matches('/[[:alpha:]]x')('ax'));
    assert.ok(matches('/a\\*b')('a*b'));
    assert.ok(!matches('/a\\*b')('axb'));
    assert.ok(matches('/{a,b}')('{a,b}'));
    assert.ok(!matches('/{a,b}')('a'));
    assert.ok(matches('/+(x)')('+(x)'));
    assert.ok(matches('/!(x)')('!(x)'));
    assert.ok(matches('/a|b')('a|b'));
    assert.ok(!matches('/a|b')('a'));
    assert.ok(matches('/a.b')('a.b'));
    assert.ok(!matches('/a.b')('axb'));
    assert.ok(matches('/x$^y')('x$^y'));
    assert.ok(matches('/with space')('with space'));
  });

  test('reach: anchored literal prefix or exact path; unanchored anywhere', () => {
    const reach = (glob: string) => {
      const t = translateGlob(glob);
      assert.ok(t.ok);
      return t.reach;
    };
    assert.deepEqual(reach('/ssh/sshd_config'), { kind: 'exact', literal: 'ssh/sshd_config' });
    assert.deepEqual(reach('/ssh/*.pub'), { kind: 'prefix', literal: 'ssh/' });
    assert.deepEqual(reach('/slurm/***'), { kind: 'prefix', literal: 'slurm' });
    assert.deepEqual(reach('/slurm/**'), { kind: 'prefix', literal: 'slurm/' });
    assert.deepEqual(reach('/a\\*b/c'), { kind: 'exact', literal: 'a*b/c' });
    assert.deepEqual(reach('ssh/sshd_config'), { kind: 'anywhere' });
  });

  test('refuses malformed globs', () => {
    assert.match(problem('/'), /empty glob/);
    assert.match(problem('a//b'), /empty path segment/);
    assert.match(problem('tmp//'), /empty path segment/);
    assert.match(problem('foo**'), /whole path segment/);
    assert.match(problem('a/**b'), /whole path segment/);
    assert.match(problem('***'), /dir\/\*\*\*/);
    assert.match(problem('a/***/b'), /dir\/\*\*\*/);
    assert.match(problem('a****'), /not a glob operator/);
    assert.match(problem('a[bc'), /unterminated/);
    assert.match(problem('a\\'), /trailing backslash/);
    assert.match(problem('[z-a]'), /invalid bracket/);
  });
});

test('no glob matches the watch dir itself (the empty path)', () => {
  for (const glob of ['**', '*', '/**', 'x/***']) {
    const t = translateGlob(glob);
    assert.ok(t.ok && !new RegExp(t.source, GLOB_FLAGS).test(''), glob);
  }
});
