import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ERE_FLAGS, translateEre } from './translate-ere.js';

function matcher(ere: string): (path: string) => boolean {
  const translation = translateEre(ere);
  assert.ok(translation.ok, `${ere}: ${translation.ok ? '' : translation.problem}`);
  const regex = new RegExp(translation.source, ERE_FLAGS);
  return (path) => regex.test(path);
}

function problem(ere: string): string {
  const translation = translateEre(ere);
  assert.ok(!translation.ok, `${ere} should be refused, got ${translation.ok ? translation.source : ''}`);
  return translation.problem;
}

describe('translateEre: POSIX ERE meaning in JavaScript', () => {
  test('unanchored unless ^/$ are written (clsync: +f^passwd also matches passwd-)', () => {
    assert.ok(matcher('passwd')('etc/passwd-'));
    assert.ok(matcher('^passwd')('passwd-'));
    assert.ok(!matcher('^passwd$')('passwd-'));
    assert.ok(matcher('^$')(''));
    assert.ok(!matcher('^$')('a'));
  });

  test('. matches any character, also a newline (POSIX without REG_NEWLINE)', () => {
    assert.ok(matcher('^a.b$')('a\nb'));
    assert.ok(matcher('^a.b$')('a/b'));
    assert.ok(matcher('^.$')('é'));
  });

  test('bracket expressions: classes, ranges, negation, ] first, literal backslash', () => {
    const alnum = matcher('^[[:alnum:]_]+$');
    assert.ok(alnum('abc_09'));
    assert.ok(!alnum('a-b'));
    assert.ok(matcher('^[^/]+$')('passwd'));
    assert.ok(!matcher('^[^/]+$')('ssh/x'));
    assert.ok(matcher('^[]a]$')(']'));
    assert.ok(matcher('^[^]a]$')('b'));
    assert.ok(!matcher('^[^]a]$')(']'));
    assert.ok(matcher('^[\\]$')('\\'), 'backslash is literal inside POSIX brackets');
    assert.ok(matcher('^[a-c-]$')('-'));
    assert.ok(matcher('^[[.-.]a]$')('-'));
    assert.ok(matcher('^[[=e=]]$')('e'));
    assert.ok(matcher('^[[:punct:]]$')('`'));
    assert.ok(matcher('^[[:space:]]$')('\t'));
    assert.ok(matcher('^[[:upper:][:digit:]]+$')('AB12'));
    assert.ok(matcher('^x[[]$')('x['));
  });

  test('groups, alternation, intervals (GNU {,n} too), back-references', () => {
    assert.ok(matcher('^(sess(ion)?s?)$')('sessions'));
    assert.ok(matcher('^(passwd|group)$')('group'));
    assert.ok(matcher('^a{2}$')('aa'));
    assert.ok(!matcher('^a{2}$')('aaa'));
    assert.ok(matcher('^a{2,}$')('aaaa'));
    assert.ok(matcher('^a{,2}$')(''));
    assert.ok(matcher('^(ab)\\1$')('abab'));
  });

  test('escapes: metacharacters become literal; GNU word escapes are translated', () => {
    assert.ok(matcher('^a\\.b$')('a.b'));
    assert.ok(!matcher('^a\\.b$')('axb'));
    assert.ok(matcher('^\\(x\\)$')('(x)'));
    assert.ok(matcher('^a\\{1\\}$')('a{1}'));
    assert.ok(matcher('\\<conf\\>')('a conf b'));
    assert.ok(!matcher('\\<conf\\>')('aconf'));
    assert.ok(matcher('^\\w+$')('ab_1'));
  });

  test('characters JavaScript treats specially but POSIX does not stay literal', () => {
    assert.ok(matcher('^a]b$')('a]b'));
    assert.ok(matcher('^a}b$')('a}b'));
    assert.ok(matcher('^a/b$')('a/b'));
    assert.ok(matcher('^a-b$')('a-b'));
  });

  test('refuses what has no faithful translation, with a reason', () => {
    assert.match(problem('a+?'), /stacked quantifier/);
    assert.match(problem('a**'), /stacked quantifier/);
    assert.match(problem('*a'), /nothing to repeat/);
    assert.match(problem('(?:a)'), /nothing to repeat/);
    assert.match(problem('a|*b'), /nothing to repeat/);
    assert.match(problem('^*'), /nothing to repeat/);
    assert.match(problem('\\d'), /unsupported escape/);
    assert.match(problem('\\n'), /unsupported escape/);
    assert.match(problem('a\\'), /trailing backslash/);
    assert.match(problem('(a'), /unmatched "\("/);
    assert.match(problem('a)'), /unmatched "\)"/);
    assert.match(problem('[a'), /unterminated bracket/);
    assert.match(problem('[[:nope:]]'), /unknown character class/);
    assert.match(problem('[z-a]'), /invalid range/);
    assert.match(problem('[[:alpha:]-z]'), /range endpoint/);
    assert.match(problem('[[.space.]]'), /single character/);
    assert.match(problem('a{x}'), /invalid interval/);
    assert.match(problem('a{3,1}'), /maximum below minimum/);
    assert.match(problem('a{99999}'), /above/);
    assert.match(problem('(a)\\2'), /not a valid expression/);
  });
});
