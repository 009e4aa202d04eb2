// Which earlier changes of a batch each change must wait for, so that independent changes can be
// in flight together on one SFTP channel while the batch's own order still holds where it matters:
// a change waits for the last earlier change on itself and on each of its ancestors (mkdir before
// the writes inside, one path's ops in order) and for every earlier change below it (a directory's
// content is deleted before the directory). Changes on unrelated paths never wait for each other.
// Pure; O(changes × depth).

/** `deps[i]` = indices (< i) that change i waits for. Paths are relative, `/`-separated. */
export function changeDependencies(paths: readonly string[]): number[][] {
  const lastOn = new Map<string, number>(); // path → last change index on exactly that path
  const below = new Map<string, number[]>(); // path → every change index on it or under it
  return paths.map((path, i) => {
    const deps = new Set<number>(below.get(path) ?? []);
    const ancestors = ancestorsOf(path);
    for (const a of ancestors) {
      const j = lastOn.get(a);
      if (j !== undefined) deps.add(j);
    }
    lastOn.set(path, i);
    for (const a of [...ancestors, path]) {
      const list = below.get(a);
      if (list === undefined) below.set(a, [i]);
      else list.push(i);
    }
    return [...deps].sort((x, y) => x - y);
  });
}

/** `a/b/c` → [`a`, `a/b`]. */
function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}
