// walk.js DIR [sync|async|types]  - what Node.js can do for an initial scan (scenario c).
// Visits every entry below DIR with readdir(withFileTypes) and lstat()s each one (size + mtime,
// like `find -printf '%s %T@ %p'`). sync: readdirSync + lstatSync, depth-first.
// async: fs.promises.opendir per directory, lstat calls in flight 64 at a time (libuv pool).
// types: readdirSync withFileTypes only, no lstat (d_type, like plain `find` and clsync's fts).
// Prints "entries bytes seconds entries/s" on stdout.
// ESM (the repository's package.json says "type": "module"); plain JS so it runs without a build.
import fs from 'node:fs';
import path from 'node:path';

const [dir, mode = 'sync'] = process.argv.slice(2);
let entries = 0;
let bytes = 0;
const t0 = process.hrtime.bigint();

function walkTypes(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    entries++;
    if (e.isDirectory()) walkTypes(path.join(d, e.name));
  }
}

function walkSync(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    const st = fs.lstatSync(p);
    entries++;
    bytes += st.size;
    if (e.isDirectory()) walkSync(p);
  }
}

async function walkAsync(root) {
  const dirs = [root];
  const LIMIT = 64;
  while (dirs.length) {
    const d = dirs.pop();
    const names = [];
    for await (const e of await fs.promises.opendir(d)) {
      names.push(path.join(d, e.name));
      if (e.isDirectory()) dirs.push(path.join(d, e.name));
    }
    for (let i = 0; i < names.length; i += LIMIT) {
      const sts = await Promise.all(names.slice(i, i + LIMIT).map((p) => fs.promises.lstat(p)));
      for (const st of sts) {
        entries++;
        bytes += st.size;
      }
    }
  }
}

if (mode === 'async') await walkAsync(dir);
else if (mode === 'types') walkTypes(dir);
else walkSync(dir);
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`${entries} ${bytes} ${s.toFixed(3)} ${Math.round(entries / s)}`);
