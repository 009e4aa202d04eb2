// Set operations on host lists that keep the caller's order (pdsh's hostset semantics:
// unique names, first-seen order), so "-w b,a" still targets b first.

/** Drops repeated names, keeping the first occurrence. */
export function uniqueHosts(hosts: Iterable<string>): string[] {
  return [...new Set(hosts)];
}

/** `hosts` without any name in `excluded`, order kept (names that are not in `hosts` are ignored). */
export function excludeHosts(hosts: readonly string[], excluded: Iterable<string>): string[] {
  const drop = new Set(excluded);
  return hosts.filter((host) => !drop.has(host));
}
