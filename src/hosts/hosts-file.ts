// A node list file (-H/--hosts-file), pdsh WCOLL style: one or more hostlist expressions per line
// (commas and/or spaces), '#' starts a comment (host names cannot contain '#'), blank lines and
// CRLF line ends are fine. Pure: the caller reads the file.
import { expandHostlist } from './parse-hostlist.js';

/** Every host the file lists, without duplicates, in file order; errors carry `file:line`. */
export function parseHostsFile(text: string, file: string): string[] {
  const hosts = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const hash = raw.indexOf('#');
    const line = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (line === '') return;
    for (const host of expandHostlist(line, { file, line: index + 1 })) hosts.add(host);
  });
  return [...hosts];
}
