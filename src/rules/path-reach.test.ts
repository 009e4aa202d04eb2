import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canReachBelow, ereReach } from './path-reach.js';

describe('ereReach: the anchored literal start of a regex', () => {
  test('exact, prefix and anywhere', () => {
    assert.deepEqual(ereReach('^ssh/sshd_config$'), { kind: 'exact', literal: 'ssh/sshd_config' });
    assert.deepEqual(ereReach('^munge/munge\\.key$'), { kind: 'exact', literal: 'munge/munge.key' });
    assert.deepEqual(ereReach('^$'), { kind: 'exact', literal: '' });
    assert.deepEqual(ereReach('^slurm/[^/]+\\.conf$'), { kind: 'prefix', literal: 'slurm/' });
    assert.deepEqual(ereReach('^passwd'), { kind: 'prefix', literal: 'passwd' });
    assert.deepEqual(ereReach('passwd$'), { kind: 'anywhere' });
    assert.deepEqual(ereReach('^a$|^b/c$'), { kind: 'anywhere' });
    assert.deepEqual(ereReach(''), { kind: 'anywhere' });
  });

  test('a quantified character is not part of the prefix; x+ keeps one x', () => {
    assert.deepEqual(ereReach('^sshd?/x'), { kind: 'prefix', literal: 'ssh' });
    assert.deepEqual(ereReach('^ab*c'), { kind: 'prefix', literal: 'a' });
    assert.deepEqual(ereReach('^ab{2}'), { kind: 'prefix', literal: 'a' });
    assert.deepEqual(ereReach('^ab+c'), { kind: 'prefix', literal: 'ab' });
    assert.deepEqual(ereReach('^a\\.?b'), { kind: 'prefix', literal: 'a' });
    assert.deepEqual(ereReach('^a\\$'), { kind: 'prefix', literal: 'a$' });
    assert.deepEqual(ereReach('^ssh\\w'), { kind: 'prefix', literal: 'ssh' });
  });
});

describe('canReachBelow', () => {
  test('exact paths reach below their ancestors only', () => {
    const reach = { kind: 'exact', literal: 'ssh/sshd_config' } as const;
    assert.ok(canReachBelow(reach, ''));
    assert.ok(canReachBelow(reach, 'ssh'));
    assert.ok(!canReachBelow(reach, 'ssh/sshd_config'));
    assert.ok(!canReachBelow(reach, 'ss'));
    assert.ok(!canReachBelow(reach, 'skel'));
    assert.ok(!canReachBelow({ kind: 'exact', literal: '' }, ''));
  });

  test('prefixes reach below ancestors and below anything they may continue into', () => {
    const reach = { kind: 'prefix', literal: 'slurm/' } as const;
    assert.ok(canReachBelow(reach, ''));
    assert.ok(canReachBelow(reach, 'slurm'));
    assert.ok(canReachBelow(reach, 'slurm/plugstack.conf.d'));
    assert.ok(!canReachBelow(reach, 'slurmx'));
    assert.ok(canReachBelow({ kind: 'prefix', literal: 'pass' }, ''));
    assert.ok(!canReachBelow({ kind: 'prefix', literal: 'passwd' }, 'ssh'));
    assert.ok(canReachBelow({ kind: 'prefix', literal: 'ss' }, 'ssh'));
    assert.ok(canReachBelow({ kind: 'anywhere' }, 'any/dir'));
  });
});

test('reach is honest: exact means only that path, prefix means every match starts with it', async () => {
  const { parseRules } = await import('./parse-rules.js');
  const rules = parseRules(
    [
      '+f^passwd$',
      '+f^passwd',
      '+f^ssh/sshd_config$',
      '+f^slurm/[^/]+\\.conf$',
      '+f^ab+c',
      '+f^a\\.b?c$',
      '+f^x\\$$',
      '+d^$',
      '+ /passwd',
      '+ /slurm/***',
      '+ /slurm/**',
      '+ /ssh/*.pub',
      '+ /a\\*b',
      '+ /sudoers.d/',
    ].join('\n'),
    'r',
  );
  const paths = [
    '',
    'passwd',
    'passwd-',
    'ssh',
    'ssh/sshd_config',
    'ssh/a.pub',
    'slurm',
    'slurm/a.conf',
    'slurm/x/y',
    'slurmx',
    'abbc',
    'ac',
    'a.c',
    'ac$',
    'x$',
    'a*b',
    'axb',
    'sudoers.d',
  ];
  for (const rule of rules) {
    const regex = new RegExp(rule.regexSource, rule.regexFlags);
    for (const path of paths) {
      const matched = regex.test(path);
      if (rule.reach.kind === 'exact')
        assert.equal(matched, path === rule.reach.literal, `${rule.source.text} vs ${path}`);
      if (rule.reach.kind === 'prefix' && matched)
        assert.ok(path.startsWith(rule.reach.literal), `${rule.source.text} vs ${path}`);
    }
  }
});
