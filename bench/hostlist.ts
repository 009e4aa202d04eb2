// Host list expansion and folding at cluster sizes. Prints timings; asserts only correctness
// (a timing threshold would fail on a busy CI machine without telling us anything).
//   node --import tsx bench/hostlist.ts      or, after `npm run build`: node dist/bench/hostlist.js
import { foldHostlist } from '../src/hosts/fold-hostlist.js';
import { expandHostlist } from '../src/hosts/parse-hostlist.js';

interface Case {
  readonly name: string;
  readonly expression: string;
}

const cases: readonly Case[] = [
  { name: '10k one range', expression: 'node[00001-10000]' },
  { name: '100k one range', expression: 'node[000001-100000]' },
  { name: '16k rack x node', expression: 'rack[01-64]-n[001-256]' },
  { name: '64k IPv4', expression: '10.[0-3].[0-63].[1-250]' },
  {
    name: '10k with holes',
    expression: Array.from({ length: 1000 }, (_, i) => `n[${i * 20 + 1}-${i * 20 + 10}]`).join(','),
  },
];

function time<T>(run: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = run();
  return { result, ms: performance.now() - start };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const ROUNDS = 5;
console.log('case                 hosts    expand ms   fold ms   folded length');
for (const { name, expression } of cases) {
  const expandTimes: number[] = [];
  const foldTimes: number[] = [];
  let hosts: string[] = [];
  let folded = '';
  for (let round = 0; round < ROUNDS; round++) {
    const expanded = time(() => expandHostlist(expression));
    hosts = expanded.result;
    expandTimes.push(expanded.ms);
    // fold a shuffled copy: results arrive in completion order, not sorted
    const shuffled = [...hosts].reverse();
    const fold = time(() => foldHostlist(shuffled));
    folded = fold.result;
    foldTimes.push(fold.ms);
  }
  const back = new Set(expandHostlist(folded));
  if (back.size !== hosts.length || !hosts.every((host) => back.has(host))) {
    throw new Error(`${name}: fold does not round-trip (${folded.slice(0, 80)}…)`);
  }
  console.log(
    `${name.padEnd(18)} ${String(hosts.length).padStart(7)} ${median(expandTimes).toFixed(1).padStart(11)} ${median(foldTimes).toFixed(1).padStart(9)}   ${folded.length}`,
  );
}
