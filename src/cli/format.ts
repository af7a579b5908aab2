/** Aligned text tables for people; --json prints the data instead. */
export function table(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] as number)).join(' | ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(headers), sep, ...cells.map(line)].join('\n') + '\n';
}

/** The `calicoctl node status` layout. */
export function nodeStatus(rows: { peerAddress: string; peerType: string; state: string; since: string; info: string }[]): string {
  const v4 = rows.filter((r) => !r.peerAddress.includes(':'));
  const v6 = rows.filter((r) => r.peerAddress.includes(':'));
  const part = (title: string, rs: typeof rows) => {
    if (rs.length === 0) return `${title}\nNo ${title.startsWith('IPv4') ? 'IPv4' : 'IPv6'} peers found.\n`;
    return `${title}\n${table(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'], rs.map((r) => [r.peerAddress, r.peerType, r.state, r.since, r.info]))}`;
  };
  return `${part('IPv4 BGP status', v4)}\n${part('IPv6 BGP status', v6)}`;
}
