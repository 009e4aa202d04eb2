import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RulesParseError } from '../errors.js';
import { parseRules } from './parse-rules.js';
import type { GlobRule, RegexRule } from './rule.js';
import { RulesFileErrors } from './rules-parse-failure.js';

function parseError(text: string, file = 'rules.txt'): RulesParseError {
  try {
    parseRules(text, file);
  } catch (error) {
    assert.ok(error instanceof RulesParseError, String(error));
    return error;
  }
  assert.fail(`expected a RulesParseError for ${JSON.stringify(text)}`);
}

describe('parseRules: clsync lines', () => {
  test('each type letter: entry types and decided actions', () => {
    const rules = parseRules('+f^a$\n+l^b$\n+d^c$\n-*\n+w^d$\n+m^e$\n+s^f$\n+W^g$\n', 'r') as RegexRule[];
    const summary = rules.map((r) => [r.typeLetter, r.permit, r.entryTypes.join('|'), r.actions.join('|')]);
    assert.deepEqual(summary, [
      ['f', true, 'file|symlink', 'sync'],
      ['l', true, 'symlink', 'sync'],
      ['d', true, 'dir', 'sync|walk|monitor'],
      ['*', false, 'file|dir|symlink', 'sync|walk'],
      ['w', true, 'dir', 'walk'],
      ['m', true, 'dir', 'monitor'],
      ['s', true, 'dir', 'sync'],
      ['W', true, 'dir', 'walk|monitor'],
    ]);
  });

  test('source keeps file, 1-based line and the text as written', () => {
    const [rule] = parseRules('# accounts\n\n+f^passwd$\n', '/etc/clsync-hpc/rules');
    assert.deepEqual(rule?.source, { file: '/etc/clsync-hpc/rules', line: 3, text: '+f^passwd$' });
  });

  test('comments, blank lines, CRLF, trailing blanks, indentation, BOM', () => {
    const rules = parseRules('\uFEFF# header\r\n\r\n  +f^passwd$  \r\n\t-*\t\r\n', 'r');
    assert.deepEqual(
      rules.map((r) => r.source.text),
      ['+f^passwd$', '-*'],
    );
  });

  test('the last line works without a trailing newline (clsync chopped its last character)', () => {
    const rules = parseRules('+f^passwd$\n+W^$\n-*', 'r') as RegexRule[];
    assert.equal(rules.length, 3);
    assert.equal(rules[2]?.typeLetter, '*');
    assert.equal(rules[2]?.ere, '');
    const last = parseRules('+f^passwd$', 'r') as RegexRule[];
    assert.equal(last[0]?.ere, '^passwd$');
  });

  test('-* and +* are the catch-all (empty regex allowed for type *)', () => {
    const [rule] = parseRules('-*', 'r') as RegexRule[];
    assert.equal(rule?.ere, '');
    assert.equal(rule?.permit, false);
  });
});

describe('parseRules: rsync glob lines', () => {
  test('sign, one space, glob; anchoring and directory-only flags', () => {
    const rules = parseRules(
      '+ ssh/sshd_config\n- *.swp\n- **\n+ /passwd\n- tmp/\n+ slurm/***\n',
      'r',
    ) as GlobRule[];
    assert.deepEqual(
      rules.map((r) => [r.syntax, r.permit, r.glob, r.anchored, r.dirOnly]),
      [
        ['glob', true, 'ssh/sshd_config', false, false],
        ['glob', false, '*.swp', false, false],
        ['glob', false, '**', false, false],
        ['glob', true, '/passwd', true, false],
        ['glob', false, 'tmp/', false, true],
        ['glob', true, 'slurm/***', false, false],
      ],
    );
    assert.deepEqual(rules[4]?.entryTypes, ['dir']);
    assert.deepEqual(rules[4]?.actions, ['sync', 'walk', 'monitor']);
    assert.deepEqual(rules[1]?.actions, ['sync', 'walk']);
  });

  test('clsync and glob lines mix in one file, in order', () => {
    const rules = parseRules('+f^passwd$\n+ /group\n-*\n', 'r');
    assert.deepEqual(
      rules.map((r) => r.syntax),
      ['regex', 'glob', 'regex'],
    );
  });
});

describe('parseRules: errors name file:line and the faulty part', () => {
  test('unknown type letter (clsync dropped it silently)', () => {
    const error = parseError('+f^passwd$\n+q^group$\n-*\n');
    assert.equal(error.line, 2);
    assert.equal(error.file, 'rules.txt');
    assert.equal(error.part, '+q^group$');
    assert.match(error.message, /^rules\.txt:2: unknown type letter "q"/);
  });

  test('upper-case letters are not lower-cased (clsync turned F into f, W into w)', () => {
    assert.match(parseError('+F^passwd$').message, /case-sensitive/);
  });

  test('unknown sign', () => {
    const error = parseError('!f^passwd$');
    assert.equal(error.line, 1);
    assert.match(error.message, /unknown sign/);
    assert.match(parseError('include passwd').message, /unknown sign/);
  });

  test('bad regex names the regex', () => {
    const error = parseError('+f^ssh/(sshd_config$\n');
    assert.equal(error.part, '^ssh/(sshd_config$');
    assert.match(error.message, /^rules\.txt:1: bad regex: unmatched "\("/);
    assert.match(parseError('+f[[:word:]]').message, /unknown character class/);
  });

  test('empty regex for a type other than *, a bare sign', () => {
    assert.match(parseError('+f').message, /empty regex/);
    assert.match(parseError('-d \n').message, /empty regex/); // trailing blank trimmed
    assert.match(parseError('-').message, /missing type letter/);
  });

  test('glob lines: a tab, two spaces, an empty or bad glob', () => {
    assert.match(parseError('-\t*.swp').message, /a tab after the sign/);
    assert.match(parseError('-  *.swp').message, /exactly one space/);
    assert.match(parseError('+ a//b').message, /bad glob: empty path segment/);
    assert.match(parseError('+ foo**').message, /bad glob/);
  });

  test('every bad line of a file is reported in one error', () => {
    const error = parseError('+f^a$\n+q^b$\n-x\n+f(\n+ /ok\n-f');
    assert.ok(error instanceof RulesFileErrors);
    assert.equal(error.line, 2, 'file/line/part are the first bad line');
    assert.deepEqual(
      error.errors.map((e) => e.line),
      [2, 3, 4, 6],
    );
    const lines = error.message.split('\n');
    assert.equal(lines[0], '4 errors in rules file rules.txt:');
    assert.match(lines[1] ?? '', /^ {2}rules\.txt:2: unknown type letter/);
    assert.match(lines[4] ?? '', /^ {2}rules\.txt:6: empty regex/);
    assert.equal(error.code, 'ERR_RULES_PARSE');
  });

  test('an empty file or only comments is no rules', () => {
    assert.deepEqual(parseRules('', 'r'), []);
    assert.deepEqual(parseRules('# nothing\n\n', 'r'), []);
  });
});
