/** Text for people: aligned tables and key/value blocks; --json prints the data instead. */
import type { NeighborRow, SummaryRow } from '../control/neighbor-commands.js';
import type { RouteRow } from '../control/route-commands.js';
import type { FibDiff } from '../fib/fib-sync.js';

type Cell = string | number | boolean | null | undefined;

const text = (c: Cell) => (c === null || c === undefined || c === '' ? '-' : String(c));

export function table(headers: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => r.map(text));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] as number)).join(' | ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(headers), sep, ...cells.map(line)].join('\n') + '\n';
}

/** The bordered layout of calicoctl's tables: centred headers, left-aligned cells. */
export function borderedTable(headers: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => r.map(text));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const centre = (h: string, w: number) => {
    const pad = w - h.length;
    return ' '.repeat(Math.floor(pad / 2)) + h + ' '.repeat(Math.ceil(pad / 2));
  };
  const head = '| ' + headers.map((h, i) => centre(h, widths[i] as number)).join(' | ') + ' |';
  const body = cells.map((r) => '| ' + r.map((c, i) => c.padEnd(widths[i] as number)).join(' | ') + ' |');
  return [rule, head, rule, ...body, rule].join('\n') + '\n';
}

export interface NodeStatusRow {
  peerAddress: string;
  peerType: string;
  state: string;
  since: string;
  info: string;
}

/** `calicoctl node status`, section by section. */
export function nodeStatus(rows: NodeStatusRow[]): string {
  const part = (family: 'IPv4' | 'IPv6', rs: NodeStatusRow[]) =>
    `${family} BGP status\n` +
    (rs.length === 0 ? `No ${family} peers found.\n` : borderedTable(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'], rs.map((r) => [r.peerAddress, r.peerType, r.state, r.since, r.info])));
  return `${part('IPv4', rows.filter((r) => !r.peerAddress.includes(':')))}\n${part('IPv6', rows.filter((r) => r.peerAddress.includes(':')))}`;
}

/** Nested key/value data as an indented block (`show status`, `show memory`, details). */
export function keyValues(v: Record<string, unknown>, indent = ''): string {
  const keys = Object.keys(v);
  const w = Math.max(0, ...keys.map((k) => k.length));
  let out = '';
  for (const k of keys) {
    const x = v[k];
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) out += `${indent}${k}:\n${keyValues(x as Record<string, unknown>, indent + '  ')}`;
    else out += `${indent}${k.padEnd(w)}  ${Array.isArray(x) ? x.map(String).join(', ') || '-' : text(x as Cell)}\n`;
  }
  return out;
}

export function neighborsTable(rows: NeighborRow[]): string {
  return table(
    ['NEIGHBOR', 'AS', 'TYPE', 'STATE', 'FOR', 'SINCE', 'ROUTES', 'DESCRIPTION', 'INFO'],
    rows.map((n) => [n.address, n.asn, n.type, n.state, n.forSeconds === undefined ? '' : duration(n.forSeconds), n.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), n.routesReceived, n.description, n.lastError]),
  );
}

/**
 * Route rows stream out one line at a time (a million routes never sit in the client either),
 * so the columns have fixed widths that fit IPv4 and grow only for longer values.
 */
export const ROUTE_HEADER = routeLine({ prefix: 'PREFIX', best: false, nextHop: 'NEXT HOP', from: 'FROM', source: 'SOURCE', asPath: 'AS PATH', origin: 'ORIGIN', localPref: null, med: null, communities: [] }, true);

export function routeLine(r: RouteRow, header = false): string {
  const lp = header ? 'LPREF' : text(r.localPref);
  const med = header ? 'MED' : text(r.med);
  const mark = header ? ' ' : r.best ? '*' : ' ';
  const cols = [
    `${mark} ${r.prefix.padEnd(18)}`,
    r.nextHop.padEnd(15),
    r.from.padEnd(15),
    r.source.padEnd(8),
    lp.padStart(5),
    med.padStart(5),
    r.origin.padEnd(10),
    header ? r.asPath : r.asPath || '(empty)',
  ];
  let line = cols.join(' ');
  if (!header && r.communities.length) line += `  [${r.communities.join(' ')}]`;
  if (!header && r.pathId) line += `  path-id ${r.pathId}`;
  return line.trimEnd() + '\n';
}

/** `show route PREFIX explain`: each candidate, best first, and the step it lost at. */
export function explainText(rows: RouteRow[]): string {
  if (rows.length === 0) return 'no route\n';
  let out = `${rows[0]?.prefix}: ${rows.length} candidate path${rows.length === 1 ? '' : 's'}\n`;
  for (const r of rows) {
    const why = r.best ? 'BEST' : `lost at: ${r.lostAt ?? 'not selected'}`;
    out += `  ${r.best ? '*' : ' '} via ${r.nextHop} from ${r.from} (${r.source}) as-path ${r.asPath || '(empty)'} origin ${r.origin} local-pref ${text(r.localPref)} med ${text(r.med)} -- ${why}\n`;
    if (r.communities.length) out += `      communities ${r.communities.join(' ')}\n`;
    if (r.importPolicy) out += `      import policy: ${r.importPolicy.join(', ')}\n`;
    for (const e of r.exports ?? []) out += `      export to ${e.peers.join(', ')}: ${e.verdict}\n`;
  }
  return out;
}

export function fibDiffText(d: FibDiff): string {
  const head = `kernel ${d.kernel} wren routes, RIB wants ${d.wanted}: ${d.missing} missing, ${d.extra} extra, ${d.different} different\n`;
  if (d.rows.length === 0) return head + 'in sync\n';
  const more = d.missing + d.extra + d.different - d.rows.length;
  return head + table(['DRIFT', 'PREFIX', 'KERNEL NEXT HOPS', 'RIB NEXT HOPS'], d.rows.map((r) => [r.kind, r.prefix, r.kernel, r.rib])) + (more > 0 ? `(${more} more not shown)\n` : '');
}

/** `show summary`: a header line, then one line per session with its up/down duration. */
export function summaryText(r: { routerId: string; asn: number; neighbors: number; established: number; prefixes: number; rows: SummaryRow[] }): string {
  const head = `router id ${r.routerId}, AS ${r.asn}: ${r.established} of ${r.neighbors} sessions established, ${r.prefixes} prefixes in the RIB\n\n`;
  return head + table(
    ['NEIGHBOR', 'AS', 'STATE', 'UP/DOWN', 'SINCE', 'MSG IN', 'MSG OUT', 'ACCEPTED', 'FILTERED', 'ADVERTISED', 'FLAPS', 'DESCRIPTION'],
    r.rows.map((n) => [n.address, n.asn, n.state, duration(n.forSeconds), n.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), n.messagesIn, n.messagesOut, n.accepted, n.filtered, n.advertised, n.flaps, n.description]),
  );
}

export interface BfdShowRow {
  peer: string;
  multihop: boolean;
  state: string;
  remoteState: string;
  since: string;
  uptimeSeconds: number;
  txInterval: number;
  detectionTime: number;
  multiplier: number;
  remoteMultiplier: number;
  remoteDiscr: number;
  lastDiag: string;
  flaps: number;
}

/** A duration as operators read it: 45s, 12m3s, 5h2m, 3d4h. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/** `show bfd`: one line per session, BIRD's `show bfd sessions` with the negotiated intervals. */
export function bfdTable(rows: BfdShowRow[]): string {
  return table(
    ['PEER', 'MODE', 'STATE', 'REMOTE', 'UP FOR', 'SINCE', 'TX (ms)', 'DETECT (ms)', 'MULT', 'REMOTE DISCR', 'LAST DIAGNOSTIC', 'FLAPS'],
    rows.map((r) => [r.peer, r.multihop ? 'multihop' : 'single-hop', r.state, r.remoteState, r.state === 'Up' ? duration(r.uptimeSeconds) : '', r.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), r.txInterval, r.detectionTime || '', `${r.multiplier}/${r.remoteMultiplier || '-'}`, r.remoteDiscr || '', r.lastDiag, r.flaps]),
  );
}

export interface MonitorRow {
  event: string;
  time: string;
  peer?: string;
  from?: string;
  to?: string;
  reason?: string;
  prefix?: string;
  best?: { nextHop: string; from: string; asPath: string } | null;
  message?: string;
}

/** One `monitor` event as a line. */
export function monitorLine(r: MonitorRow): string {
  const t = r.time.slice(11, 23);
  if (r.event === 'session') return `${t} session ${r.peer} ${r.from} -> ${r.to}${r.reason ? ` (${r.reason})` : ''}\n`;
  if (r.event === 'route') return r.best ? `${t} route ${r.prefix} via ${r.best.nextHop} from ${r.best.from}${r.best.asPath ? ` as-path ${r.best.asPath}` : ''}\n` : `${t} route ${r.prefix} withdrawn\n`;
  if (r.event === 'monitoring') return `${t} monitoring session and route changes; Ctrl-C to stop\n`;
  return `${t} ${r.event}${r.message ? `: ${r.message}` : ''}\n`;
}
