import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HostlistParseError } from '../errors.js';
import { parseHostsFile } from './hosts-file.js';

const here = dirname(fileURLToPath(import.meta.url));
// from src/hosts (tsx) and from dist/src/hosts (built)
const repoRoot = resolve(here, here.includes(join('dist', 'src')) ? '../../..' : '../..');
const examplesDir = join(repoRoot, 'hosts');

describe('parseHostsFile', () => {
  it('reads expressions, one or more per line, in file order without duplicates', () => {
    const text = 'node[01-03]\nlogin1 login2,mgmt\n\nnode02 node04\n';
    assert.deepEqual(parseHostsFile(text, 'nodes.txt'), [
      'node01',
      'node02',
      'node03',
      'login1',
      'login2',
      'mgmt',
      'node04',
    ]);
  });

  it('skips full-line and trailing comments, blank and whitespace-only lines', () => {
    const text =
      '# compute\n   # indented comment\n\t\nnode[1-2] # the first two\nnode3#glued comment\n   \n';
    assert.deepEqual(parseHostsFile(text, 'f'), ['node1', 'node2', 'node3']);
  });

  it('tolerates CRLF, lone CR, a BOM and no final newline', () => {
    assert.deepEqual(parseHostsFile('\uFEFFa1\r\nb1\r\n# c\r\nc1', 'f'), ['a1', 'b1', 'c1']);
    assert.deepEqual(parseHostsFile('a1\rb1\r', 'f'), ['a1', 'b1']);
  });

  it('returns nothing for a file of comments only (the loader reports it)', () => {
    assert.deepEqual(parseHostsFile('# nothing yet\n\n', 'f'), []);
    assert.deepEqual(parseHostsFile('', 'f'), []);
  });

  it('reports errors with file:line and the fragment', () => {
    const text = '# nodes\nnode[01-08]\n\nlogin1, node[01-0\n';
    assert.throws(
      () => parseHostsFile(text, 'nodes.txt'),
      (error: unknown) => {
        assert.ok(error instanceof HostlistParseError);
        assert.equal(error.file, 'nodes.txt');
        assert.equal(error.line, 4);
        assert.equal(error.part, 'node[01-0');
        assert.equal(error.message, `nodes.txt:4: unclosed '[': "node[01-0"`);
        return true;
      },
    );
  });

  it('counts lines the same with CRLF', () => {
    assert.throws(() => parseHostsFile('a\r\nb\r\nc;d\r\n', 'w.txt'), {
      message: /^w\.txt:3: invalid character ";"/,
    });
  });

  it('does not strip a comment that starts inside a would-be name: "#" always starts one', () => {
    assert.deepEqual(parseHostsFile('node1#node2', 'f'), ['node1']);
  });

  it('refuses dangerous names coming from a file', () => {
    assert.throws(() => parseHostsFile('node1\n$(reboot)\n', 'f'), {
      message: /^f:2: invalid character "\$"/,
    });
    assert.throws(() => parseHostsFile('-oProxyCommand=x\n', 'f'), {
      message: /^f:1: a host name cannot start with '-'/,
    });
  });
});

describe('example files in hosts/', () => {
  const files = readdirSync(examplesDir).filter((name) => name.endsWith('.txt'));

  it('exist', () => {
    assert.ok(files.includes('nodes.txt') && files.includes('lab.txt'), `found ${files.join(', ')}`);
  });

  for (const name of files) {
    it(`${name} parses and lists hosts`, () => {
      const hosts = parseHostsFile(readFileSync(join(examplesDir, name), 'utf8'), name);
      assert.ok(hosts.length > 0);
    });
  }

  it('nodes.txt lists what its comments say', () => {
    const hosts = parseHostsFile(readFileSync(join(examplesDir, 'nodes.txt'), 'utf8'), 'nodes.txt');
    assert.equal(hosts.length, 128 + 16 + 4 + 3);
    assert.equal(hosts[0], 'node001');
    assert.ok(
      hosts.includes('node128') &&
        hosts.includes('gpu16-ib') &&
        hosts.includes('fat2-b1') &&
        hosts.includes('slurmctl1'),
    );
  });

  it('lab.txt is the eight lab nodes', () => {
    const hosts = parseHostsFile(readFileSync(join(examplesDir, 'lab.txt'), 'utf8'), 'lab.txt');
    assert.deepEqual(hosts, ['node01', 'node02', 'node03', 'node04', 'node05', 'node06', 'node07', 'node08']);
  });
});
