import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldHostlist } from './fold-hostlist.js';
import { expandHostlist } from './parse-hostlist.js';

/** Mulberry32: a tiny seeded PRNG, so a failing case can be replayed from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomHosts(random: () => number): string[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const number = (): string => {
    const value = String(Math.floor(random() * (random() < 0.3 ? 1200 : 40)));
    return random() < 0.4 ? value.padStart(pick([2, 3, 4]), '0') : value;
  };
  const shapes: (() => string)[] = [
    () => `node${number()}`,
    () => `gpu${number()}-ib`,
    () => `rack${number()}-n${number()}`,
    () => `10.${pick(['0', '1'])}.${number()}.${number()}`,
    () => pick(['login', 'login1', 'mgmt', 'a-b_c', 'n.example.org']),
    () => `c${number()}x${number()}y${number()}`,
  ];
  const count = 1 + Math.floor(random() * 60);
  return Array.from({ length: count }, () => pick(shapes)());
}

function assertSameSet(actual: readonly string[], expected: readonly string[], context: string): void {
  assert.equal(new Set(actual).size, actual.length, `${context}: duplicates in ${actual.join(' ')}`);
  assert.deepEqual([...actual].sort(), [...new Set(expected)].sort(), context);
}

describe('foldHostlist', () => {
  it('folds ranges by prefix, sorted, numbers in numeric order', () => {
    assert.equal(foldHostlist(['node01', 'node02', 'node03', 'node07', 'login1']), 'login1,node[01-03,07]');
    assert.equal(foldHostlist(['node10', 'node9', 'node1', 'node2']), 'node[1-2,9-10]');
  });

  it('prints a single host without brackets', () => {
    assert.equal(foldHostlist(['node06']), 'node06');
    assert.equal(foldHostlist(['node06', 'login']), 'login,node06');
  });

  it('returns an empty string for no hosts and ignores duplicates', () => {
    assert.equal(foldHostlist([]), '');
    assert.equal(foldHostlist(['n1', 'n1', 'n2']), 'n[1-2]');
  });

  it('keeps padding; numbers past the width continue a padded range', () => {
    assert.equal(foldHostlist(expandHostlist('node[01-10]')), 'node[01-10]');
    assert.equal(foldHostlist(expandHostlist('node[001-100]')), 'node[001-100]');
    assert.equal(foldHostlist(expandHostlist('node[98-101]')), 'node[98-101]');
    assert.equal(foldHostlist(expandHostlist('node[098-101]')), 'node[098-101]');
  });

  it('folds different padding widths separately (node1 is not node01)', () => {
    assert.equal(
      foldHostlist(['node1', 'node01', 'node2', 'node02', 'node001']),
      'node[1-2],node[01-02],node001',
    );
    assert.equal(foldHostlist(['n7', 'n05']), 'n05,n7');
  });

  it('folds on the last number, keeping suffixes', () => {
    assert.equal(foldHostlist(['gpu1-ib', 'gpu2-ib', 'gpu3-ib', 'gpu1']), 'gpu1,gpu[1-3]-ib');
    assert.equal(foldHostlist(['10.0.0.1', '10.0.0.2', '10.0.0.3']), '10.0.0.[1-3]');
  });

  it('folds earlier numbers when everything after them matches (cartesian form)', () => {
    assert.equal(foldHostlist(expandHostlist('rack[1-2]-n[01-02]')), 'rack[1-2]-n[01-02]');
    assert.equal(foldHostlist(expandHostlist('10.1.[0-3].[1-254]')), '10.1.[0-3].[1-254]');
    // rack3 lacks n02: it cannot join the product
    assert.equal(
      foldHostlist(expandHostlist('rack[1-2]-n[01-02],rack3-n01')),
      'rack[1-2]-n[01-02],rack3-n01',
    );
    assert.equal(foldHostlist(['a1b1', 'a2b2']), 'a1b1,a2b2');
  });

  it('orders terms by their first number, not by the bracket character', () => {
    assert.equal(
      foldHostlist(expandHostlist('rack20-n9,rack11-n[1-2],rack[1-10]-n[1-3]')),
      'rack[1-10]-n[1-3],rack11-n[1-2],rack20-n9',
    );
  });

  it('leaves names without numbers, and numbers too long to be exact, unfolded', () => {
    assert.equal(foldHostlist(['mgmt', 'login']), 'login,mgmt');
    const long = ['n1234567890123456', 'n1234567890123457'];
    assert.equal(foldHostlist(long), long.join(','));
  });

  it('round-trips random host sets: expand(fold(x)) is the set x (seeded)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const hosts = randomHosts(seededRandom(seed));
      const folded = foldHostlist(hosts);
      assertSameSet(expandHostlist(folded), hosts, `seed ${seed}: ${folded}`);
      // folding is canonical: the folded form of the set folds to itself
      assert.equal(foldHostlist(expandHostlist(folded)), folded, `seed ${seed}`);
    }
  });

  it('round-trips random expressions: fold(expand(e)) expands to the same set (seeded)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seededRandom(seed * 7919);
      const hosts = randomHosts(random);
      const expression = foldHostlist(hosts.slice(0, Math.ceil(hosts.length / 2))) + ' ' + hosts.join(',');
      assertSameSet(
        expandHostlist(foldHostlist(expandHostlist(expression))),
        expandHostlist(expression),
        `seed ${seed}`,
      );
    }
  });

  it('folds 10000 hosts back to one range', () => {
    const hosts = expandHostlist('node[00001-10000]');
    assert.equal(hosts.length, 10000);
    assert.equal(foldHostlist(hosts), 'node[00001-10000]');
    assert.equal(foldHostlist([...hosts].reverse()), 'node[00001-10000]');
  });
});
