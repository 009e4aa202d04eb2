import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostlistParseError } from '../errors.js';
import { expandHostlist, MAX_HOSTS_PER_EXPRESSION } from './parse-hostlist.js';

/** Asserts the exact error: class, fragment, reason text and origin. */
function assertParseError(
  expression: string,
  part: string,
  reason: RegExp,
  origin?: { file: string; line?: number },
): void {
  assert.throws(
    () => expandHostlist(expression, origin),
    (error: unknown) => {
      assert.ok(error instanceof HostlistParseError, `expected HostlistParseError, got ${String(error)}`);
      assert.equal(error.part, part);
      assert.match(error.reason, reason);
      assert.equal(error.file, origin?.file);
      assert.equal(error.line, origin?.line);
      assert.equal(error.code, 'ERR_HOSTLIST_PARSE');
      return true;
    },
  );
}

describe('expandHostlist: syntax', () => {
  it('takes plain names and comma lists', () => {
    assert.deepEqual(expandHostlist('login1'), ['login1']);
    assert.deepEqual(expandHostlist('a,b,c'), ['a', 'b', 'c']);
  });

  it('accepts whitespace between expressions and around commas', () => {
    assert.deepEqual(expandHostlist('  a b\tc ,  d,e  '), ['a', 'b', 'c', 'd', 'e']);
  });

  it('expands ranges keeping zero padding', () => {
    assert.deepEqual(expandHostlist('node[01-10]'), [
      'node01',
      'node02',
      'node03',
      'node04',
      'node05',
      'node06',
      'node07',
      'node08',
      'node09',
      'node10',
    ]);
    assert.deepEqual(expandHostlist('node[1-10]'), [
      'node1',
      'node2',
      'node3',
      'node4',
      'node5',
      'node6',
      'node7',
      'node8',
      'node9',
      'node10',
    ]);
    const hundred = expandHostlist('node[001-100]');
    assert.equal(hundred.length, 100);
    assert.equal(hundred[0], 'node001');
    assert.equal(hundred[98], 'node099');
    assert.equal(hundred[99], 'node100');
  });

  it('lets a padded range grow past its width (pdsh does the same)', () => {
    assert.deepEqual(expandHostlist('n[08-10]'), ['n08', 'n09', 'n10']);
    assert.deepEqual(expandHostlist('n[098-101]'), ['n098', 'n099', 'n100', 'n101']);
    assert.deepEqual(expandHostlist('n[99-101]'), ['n99', 'n100', 'n101']);
  });

  it('takes single numbers, zero and lists inside brackets, each with its own padding', () => {
    assert.deepEqual(expandHostlist('node[01-03,15,20-21]'), [
      'node01',
      'node02',
      'node03',
      'node15',
      'node20',
      'node21',
    ]);
    assert.deepEqual(expandHostlist('node[7]'), ['node7']);
    assert.deepEqual(expandHostlist('node[0-1]'), ['node0', 'node1']);
    assert.deepEqual(expandHostlist('n[1,02,003]'), ['n1', 'n02', 'n003']);
  });

  it('keeps text after the brackets', () => {
    assert.deepEqual(expandHostlist('gpu[1-4]-ib'), ['gpu1-ib', 'gpu2-ib', 'gpu3-ib', 'gpu4-ib']);
    assert.deepEqual(expandHostlist('[1-2]x'), ['1x', '2x']);
  });

  it('expands several bracket groups as a cartesian product, leftmost slowest', () => {
    assert.deepEqual(expandHostlist('rack[1-2]-n[01-02]'), [
      'rack1-n01',
      'rack1-n02',
      'rack2-n01',
      'rack2-n02',
    ]);
    assert.deepEqual(expandHostlist('r[1-2]c[1-2]n[1,3]').length, 8);
    assert.deepEqual(expandHostlist('a[1-2][5-6]'), ['a15', 'a16', 'a25', 'a26']);
  });

  it('does not split the outer list on commas inside brackets', () => {
    assert.deepEqual(expandHostlist('n[1,3],login1,m[2-3,5]-ib'), [
      'n1',
      'n3',
      'login1',
      'm2-ib',
      'm3-ib',
      'm5-ib',
    ]);
  });

  it('takes IPv4 addresses, dots, dashes, underscores', () => {
    assert.deepEqual(expandHostlist('10.0.0.[1-3]'), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.deepEqual(expandHostlist('192.168.[0-1].1'), ['192.168.0.1', '192.168.1.1']);
    assert.deepEqual(expandHostlist('c1.hpc.example.org,my_node-2'), ['c1.hpc.example.org', 'my_node-2']);
  });

  it('drops duplicates, keeping the first-seen order', () => {
    assert.deepEqual(expandHostlist('b,a,b node[1-3] node[2-4] a'), [
      'b',
      'a',
      'node1',
      'node2',
      'node3',
      'node4',
    ]);
    assert.deepEqual(expandHostlist('n[1-3,2]'), ['n1', 'n2', 'n3']);
  });

  it('keeps case as written (names are compared as strings, like pdsh)', () => {
    assert.deepEqual(expandHostlist('Node1,node1'), ['Node1', 'node1']);
  });

  it(`accepts exactly ${MAX_HOSTS_PER_EXPRESSION} hosts in one expression`, () => {
    const hosts = expandHostlist(`n[1-${MAX_HOSTS_PER_EXPRESSION}]`);
    assert.equal(hosts.length, MAX_HOSTS_PER_EXPRESSION);
    assert.equal(hosts.at(-1), `n${MAX_HOSTS_PER_EXPRESSION}`);
  });
});

describe('expandHostlist: errors name the faulty fragment', () => {
  it('unclosed bracket', () => {
    assertParseError('node[01-0', 'node[01-0', /unclosed '\['/);
    assertParseError('a,node[1-2 ', 'node[1-2', /unclosed '\['/);
    assertParseError('node[1-2 node3', 'node[1-2', /unclosed '\['/);
    assertParseError('node[1-2,node3', 'node[1-2,node3', /unclosed '\['/);
  });

  it('unmatched and nested brackets', () => {
    assertParseError('node1]', 'node1]', /unmatched '\]'/);
    assertParseError('node[1[2]]', 'node[1[2]]', /nested '\['/);
  });

  it('reversed, non-numeric, empty and malformed ranges', () => {
    assertParseError('ok1,node[5-1]', 'node[5-1]', /reversed range '5-1'/);
    assertParseError('node[a-b]', 'node[a-b]', /'a-b' .* not a number N or a range N-M/);
    assertParseError('node[]', 'node[]', /empty '\[\]'/);
    assertParseError('node[1-]', 'node[1-]', /'1-' .* not a number/);
    assertParseError('node[-3]', 'node[-3]', /'-3' .* not a number/);
    assertParseError('node[1-2-3]', 'node[1-2-3]', /'1-2-3'/);
    assertParseError('node[1-10/2]', 'node[1-10/2]', /'1-10\/2'/);
    assertParseError('node[1,,2]', 'node[1,,2]', /empty element/);
    assertParseError('node[1,]', 'node[1,]', /empty element/);
    assertParseError('node[1234567890123456]', 'node[1234567890123456]', /more than 15 digits/);
  });

  it('padding that differs between the two ends', () => {
    assertParseError('n[01-010]', 'n[01-010]', /padding mismatch in '01-010'/);
    assertParseError('n[1-010]', 'n[1-010]', /padding mismatch/);
  });

  it('empty items between, before or after commas', () => {
    assertParseError('node1,,node2', 'node1,,node2', /empty item/);
    assertParseError('node1, ,node2', 'node1, ,node2', /empty item/);
    assertParseError(',node1', ',node1', /empty item/);
    assertParseError('node1,', 'node1,', /empty item/);
    assertParseError('a b,,,c d', 'b,,,c', /empty item/);
    assertParseError(',', ',', /empty item/);
  });

  it('an empty expression', () => {
    assertParseError('', '', /empty host list/);
    assertParseError('  \t ', '  \t ', /empty host list/);
  });

  it('too many hosts, before allocating them', () => {
    assertParseError(
      `n[0-${MAX_HOSTS_PER_EXPRESSION}]`,
      `n[0-${MAX_HOSTS_PER_EXPRESSION}]`,
      /more than 100000 hosts/,
    );
    assertParseError('n[1-999999999999999]', 'n[1-999999999999999]', /more than 100000 hosts/);
    assertParseError('r[1-1000]-n[1-1000]', 'r[1-1000]-n[1-1000]', /more than 100000 hosts/);
    // the cap is per expression: the item that crosses it is named
    assertParseError('a[1-60000] b[1-60000]', 'b[1-60000]', /more than 100000 hosts/);
  });

  it('names longer than DNS allows', () => {
    const long = 'x'.repeat(250);
    assert.deepEqual(expandHostlist(`${long}[1-9]`).length, 9);
    assertParseError(`${long}[1-9999]`, `${long}[1-9999]`, /longer than 253 characters/);
    assertParseError('y'.repeat(254), 'y'.repeat(254), /longer than 253/);
  });
});

describe('expandHostlist: host names are a safety boundary', () => {
  const forbidden = [
    '"',
    "'",
    '$',
    '`',
    ';',
    '|',
    '&',
    '<',
    '>',
    '(',
    ')',
    '\\',
    '*',
    '?',
    '\u0000',
    '{',
    '}',
    '=',
    '/',
    '!',
    '~',
    '%',
    '+',
    '#',
  ];
  for (const character of forbidden) {
    it(`refuses ${JSON.stringify(character)}`, () => {
      assertParseError(`ok1,node${character}1`, `node${character}1`, /invalid character .* in a host name/);
    });
  }

  it('refuses control characters and non-ASCII letters', () => {
    assertParseError('a\u0007b', 'a\u0007b', /invalid character "\\u0007"/);
    assertParseError('nöde1', 'nöde1', /invalid character "ö"/);
  });

  it('refuses user@host and says how to set the user', () => {
    assertParseError('root@node1', 'root@node1', /user@host.*--user/);
  });

  it('refuses ":" (IPv6, host:port)', () => {
    assertParseError('node1:2222', 'node1:2222', /':' is not allowed/);
    assertParseError('fe80::1', 'fe80::1', /':' is not allowed/);
  });

  it("refuses a leading '-' (an ssh/pdsh option) and points to -x", () => {
    assertParseError('-oProxyCommand', '-oProxyCommand', /cannot start with '-'.*-x/);
    assertParseError('a,-node[1-2]', '-node[1-2]', /cannot start with '-'/);
  });

  it("refuses a leading '.' ('.' and '..' would escape the local transport's root)", () => {
    assertParseError('..', '..', /cannot start with '\.'/);
    assertParseError('.hidden', '.hidden', /cannot start with '\.'/);
  });

  it('refuses whitespace inside brackets rather than guessing', () => {
    assertParseError('node[1, 2]', 'node[1,', /unclosed '\['/);
  });
});

describe('expandHostlist: origin in messages', () => {
  it('prints file:line for files', () => {
    assertParseError('node[01-0', 'node[01-0', /unclosed/, { file: 'nodes.txt', line: 2 });
    assert.throws(() => expandHostlist('node[01-0', { file: 'nodes.txt', line: 2 }), {
      message: `nodes.txt:2: unclosed '[': "node[01-0"`,
    });
  });

  it('prints the option for -w and -x', () => {
    assert.throws(() => expandHostlist('node[5-1]', { file: '-w' }), {
      message: `-w: reversed range '5-1' (start after end): "node[5-1]"`,
    });
  });

  it('prints the bare reason without an origin', () => {
    assert.throws(() => expandHostlist('a;b'), {
      message: /^invalid character ";" in a host name .*: "a;b"$/,
    });
  });
});
