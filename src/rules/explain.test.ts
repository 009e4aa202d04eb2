import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EntryType } from '../types.js';
import { compileRules } from './compile-rules.js';
import { explainDecision } from './explain.js';
import { parseRules } from './parse-rules.js';

const RULES = ['+f^passwd$', '+f^ssh/sshd_config$', '+d^slurm$', '- tmp/', '-*'].join('\n');
const matcher = compileRules(parseRules(RULES, 'rules.txt'), { defaultExcludes: true });
const explain = (path: string, type: EntryType): string =>
  explainDecision(path, type, matcher.decide(path, type));

describe('explainDecision', () => {
  test('files: the deciding rule as file:line: text', () => {
    assert.equal(
      explain('ssh/sshd_config', 'file'),
      'ssh/sshd_config (file): SYNC by rules.txt:2: +f^ssh/sshd_config$',
    );
    assert.equal(explain('motd', 'file'), 'motd (file): EXCLUDED by rules.txt:5: -*');
    assert.equal(explain('localtime', 'symlink'), 'localtime (symlink): EXCLUDED by rules.txt:5: -*');
  });

  test('built-in excludes with their reason', () => {
    assert.equal(
      explain('passwd-', 'file'),
      'passwd- (file): EXCLUDED by built-in "passwd-" (shadow-utils backup: the previous passwd)',
    );
    assert.match(
      explain('ssh/ssh_host_rsa_key', 'file'),
      /^ssh\/ssh_host_rsa_key \(file\): EXCLUDED by built-in "ssh_host_\*" \(SSH host keys/,
    );
  });

  test('directories: auto-walk, explicit rules, the root', () => {
    assert.equal(
      explain('ssh', 'dir'),
      'ssh (dir): walk+monitor (auto: a permitted path lies below), not synced by rules.txt:5: -*',
    );
    assert.equal(
      explain('', 'dir'),
      '<root> (dir): walk+monitor (auto: a permitted path lies below), not synced by rules.txt:5: -*',
    );
    assert.equal(explain('slurm', 'dir'), 'slurm (dir): walk+monitor, SYNC by rules.txt:3: +d^slurm$');
    assert.equal(explain('tmp', 'dir'), 'tmp (dir): no walk, no monitor, not synced by rules.txt:4: - tmp/');
    assert.equal(explain('skel', 'dir'), 'skel (dir): no walk, no monitor, not synced by rules.txt:5: -*');
  });

  test('default permit and separately decided actions', () => {
    const open = compileRules(parseRules('-s^ssh$\n-m^ssh$\n', 'r'), { defaultExcludes: true });
    assert.equal(
      explainDecision('motd', 'file', open.decide('motd', 'file')),
      'motd (file): SYNC (no rule matched: default permit)',
    );
    assert.equal(
      explainDecision('ssh', 'dir', open.decide('ssh', 'dir')),
      'ssh (dir): walk (no rule matched: default permit), no monitor by r:2: -m^ssh$, not synced by r:1: -s^ssh$',
    );
    assert.equal(
      explainDecision('etc', 'dir', open.decide('etc', 'dir')),
      'etc (dir): walk+monitor, SYNC (no rule matched: default permit)',
    );
  });
});
