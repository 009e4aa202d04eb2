// Order for host names and folded terms: numbers compare by value, so node2 < node10 and
// rack2-n[01-04] < rack10-n01. Locale-independent, so output is the same on every machine.

const CHUNKS = /(\d+)/;

export function compareHostNames(a: string, b: string): number {
  const left = a.split(CHUNKS);
  const right = b.split(CHUNKS);
  const count = Math.min(left.length, right.length);
  for (let i = 0; i < count; i++) {
    const x = left[i] ?? '';
    const y = right[i] ?? '';
    // split() with a capture group puts the digit chunks at odd indexes
    const order = i % 2 === 1 ? compareDigits(x, y) : compareText(x, y);
    if (order !== 0) return order;
  }
  return left.length - right.length || compareText(a, b);
}

function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '');
  const b = y.replace(/^0+(?=\d)/, '');
  // equal values: less padding first (n1 < n01 < n001)
  return a.length - b.length || compareText(a, b) || x.length - y.length;
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
