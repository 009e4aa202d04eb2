// pdsh labels output lines with the host name, but strips a domain that all hosts share:
// `-w node01.example.org` prints "node01: …". Map labels back to the names we were given.
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function makeHostLabelResolver(hosts: readonly string[]): (label: string) => string | undefined {
  const exact = new Set(hosts);
  const short = new Map<string, string | null>();
  for (const host of hosts) {
    if (IPV4.test(host) || !host.includes('.')) continue;
    const label = host.slice(0, host.indexOf('.'));
    // two hosts with one short name: pdsh keeps their domains, so the short form is never printed
    short.set(label, short.has(label) ? null : host);
  }
  return (label) => (exact.has(label) ? label : (short.get(label) ?? undefined));
}
