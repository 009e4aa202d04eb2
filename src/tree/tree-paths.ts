// Relative tree paths ('a/b/c', no leading slash, '' = the root): ordering and ancestry.
// Pure string work; every layer that sorts or groups snapshot paths uses these so they agree.

/** The one path order of the project: plain UTF-16 code-unit comparison (what `Array.sort()` does). */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 'a/b/c' → 'a/b'; top-level names → '' (the root). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Number of components: 'a' → 1, 'a/b' → 2; '' → 0. */
export function pathDepth(path: string): number {
  if (path === '') return 0;
  let depth = 1;
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) depth++;
  return depth;
}

/** The child `name` of directory `dir` ('' = root). */
export function childPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** True if `path` lies strictly below `dir` ('' = root: every non-empty path). */
export function isBelow(path: string, dir: string): boolean {
  if (dir === '') return path !== '';
  return path.length > dir.length + 1 && path.charCodeAt(dir.length) === 0x2f && path.startsWith(dir);
}

/** Ancestors of `path`, shallowest first, the root '' excluded: 'a/b/c' → ['a', 'a/b']. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** True if a strict ancestor of `path` (not the root) is in `dirs`. */
export function hasAncestorIn(path: string, dirs: ReadonlySet<string>): boolean {
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1))
    if (dirs.has(path.slice(0, i))) return true;
  return false;
}
