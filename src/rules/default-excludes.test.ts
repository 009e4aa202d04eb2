import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileRules } from './compile-rules.js';
import { DEFAULT_EXCLUDES, OWN_TEMP_EXCLUDE } from './default-excludes.js';

const matcher = compileRules([], { defaultExcludes: true });

describe('DEFAULT_EXCLUDES', () => {
  test('every entry excludes its examples, at the top and at any depth, as itself', () => {
    for (const builtin of [...DEFAULT_EXCLUDES, OWN_TEMP_EXCLUDE]) {
      assert.ok(builtin.examples.length > 0, builtin.pattern);
      for (const example of builtin.examples) {
        for (const path of [example, `a/b/${example}`]) {
          assert.equal(matcher.decide(path, 'file').builtinExclude, builtin.pattern, path);
        }
      }
    }
  });

  test('each has a reason, a unique pattern and a well-formed name test', () => {
    const patterns = new Set<string>();
    for (const builtin of [...DEFAULT_EXCLUDES, OWN_TEMP_EXCLUDE]) {
      assert.ok(builtin.reason.length > 10, builtin.pattern);
      assert.ok(!patterns.has(builtin.pattern), `duplicate ${builtin.pattern}`);
      patterns.add(builtin.pattern);
      const test = builtin.test;
      if (test.kind === 'regex') {
        assert.ok(test.source.startsWith('^'), builtin.pattern);
        assert.ok(!new RegExp(test.source).test(''), `${builtin.pattern} must not match the empty name`);
      } else if (test.kind === 'suffix') {
        assert.match(test.suffix, /^\.[^.]+$/, `${builtin.pattern}: a suffix is one dot-extension`);
      } else {
        assert.ok(!test.name.includes('/'), builtin.pattern);
      }
    }
  });

  test('the brief list is covered', () => {
    const required = [
      '*.swp',
      '*.swx',
      '*~',
      '.#*',
      '4913',
      '*.dpkg-new',
      '*.dpkg-old',
      '*.dpkg-dist',
      '*.dpkg-tmp',
      '*.rpmnew',
      '*.rpmsave',
      '*.rpmorig',
      'passwd+',
      'passwd-',
      'group-',
      'shadow-',
      'gshadow-',
      '*.lock',
      '.pwd.lock',
      'sedXXXXXX',
      '*.tmp',
      'ssh_host_*',
      'machine-id',
      'hostname',
      'adjtime',
      'fstab',
      'mtab',
      'hostid',
    ];
    const patterns = new Set(DEFAULT_EXCLUDES.map((b) => b.pattern));
    for (const pattern of required) assert.ok(patterns.has(pattern), pattern);
  });

  test('near misses stay permitted', () => {
    for (const name of [
      '.swpx',
      'a.lock.d',
      'tmp',
      'x.tmpl',
      'passwd',
      'passwd.conf',
      'sed',
      'sedXXXXX',
      'sedAb12Cd3',
      'hostname.conf',
      'myhostname',
      'fstab.d',
      'ssh_config',
      'sshd_config',
      'ssh_known_hosts',
      'lockfile',
      'swp',
      'x.swpx',
      'nfs.conf',
      '.nfsrc',
    ]) {
      assert.equal(matcher.decide(name, 'file').builtinExclude, undefined, name);
    }
  });

  test('a specific reason wins over a generic one (.pwd.lock before *.lock)', () => {
    assert.equal(matcher.decide('.pwd.lock', 'file').builtinExclude, '.pwd.lock');
  });
});

test('docs/rules.md lists every built-in with its reason', () => {
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, 'package.json'))) root = dirname(root);
  const docs = readFileSync(join(root, 'docs', 'rules.md'), 'utf8');
  // table rows as cells, whatever the column padding
  const rows = docs
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|')));
  for (const builtin of [...DEFAULT_EXCLUDES, OWN_TEMP_EXCLUDE]) {
    const row = rows.find((cells) => cells[1] === `\`${builtin.pattern}\``);
    assert.ok(row, `docs/rules.md: no table row for ${builtin.pattern}`);
    assert.equal(row[3], builtin.reason, `docs/rules.md: reason of ${builtin.pattern}`);
  }
});
