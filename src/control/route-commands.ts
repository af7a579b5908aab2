/**
 * `show route` and friends: best routes or every path, filtered by prefix, table (family) and
 * peer, counted, or explained (every candidate and the decision step it lost at). Rows are
 * streamed with backpressure, so a million-route answer is never held in memory.
 */
import { TurnBudget } from './turn-budget.js';
import { Family } from '../wire/constants.js';
import { addressToString } from '../wire/address.js';
import { parsePrefix, type Prefix } from '../wire/nlri.js';
import { explain, type Path } from '../rib/decision.js';
import { UNREACHABLE } from '../rib/nexthop.js';
import type { Rib } from '../rib/rib.js';
import type { AttrSet } from '../rib/attr-set.js';
import type { RouteSource } from '../rib/route-source.js';
import { exportable } from '../rib/export-rules.js';
import type { RouteQuery as PolicyQuery } from '../policy/policy.js';
import type { ControlServer } from './server.js';
import type { Daemon } from '../daemon/daemon.js';

const ORIGINS = ['igp', 'egp', 'incomplete'];

export interface RouteRow {
  prefix: string;
  best: boolean;
  nextHop: string;
  from: string;
  source: string;
  asPath: string;
  origin: string;
  localPref: number | null;
  med: number | null;
  communities: string[];
  pathId?: number;
  /** explain only: why this path is not the best (null for the best), and next-hop reachability. */
  lostAt?: string | null;
  reachable?: boolean;
  /** explain only: the import policy terms that accepted (or changed) the path. */
  importPolicy?: string[];
  /** explain only, best path: what each update group's export rules and policy made of it. */
  exports?: { peers: string[]; verdict: string }[];
}

export function prefixText(rib: Rib, family: Family, slot: number): string {
  return rib.prefixText(family, slot);
}

function pathRow(rib: Rib, prefix: string, p: number, best: boolean): RouteRow {
  const loc = rib.loc;
  const src = rib.sources[loc.paths.source[p] as number];
  const a = rib.importStore.get(loc.paths.attr[p] as number);
  const row: RouteRow = {
    prefix,
    best,
    nextHop: a.nextHop.length === 0 ? 'self' : addressToString(a.nextHop.subarray(0, a.nextHop.length === 32 ? 16 : a.nextHop.length)),
    from: src?.address ?? '?',
    source: src?.kind === 'local' ? (src.address === 'local' ? 'announce' : src.address) : (src?.kind ?? '?'),
    asPath: a.asPath.map((seg) => (seg.type === 1 ? `{${seg.asns.join(',')}}` : seg.asns.join(' '))).join(' '),
    origin: ORIGINS[a.origin] ?? String(a.origin),
    localPref: a.localPref >= 0 ? a.localPref : null,
    med: a.med >= 0 ? a.med : null,
    communities: a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`),
  };
  const id = loc.paths.idOf(p);
  if (id) row.pathId = id;
  return row;
}

interface RouteQuery {
  prefix: Prefix | null;
  families: Family[];
  /** Every path (not only the best). */
  all: boolean;
  peer: string | null;
  explain: boolean;
}

const TABLES: Record<string, Family> = { ipv4: Family.IPV4_UNICAST, master4: Family.IPV4_UNICAST, ipv6: Family.IPV6_UNICAST, master6: Family.IPV6_UNICAST };

function query(args: Record<string, unknown> | undefined): RouteQuery | string {
  const a = args ?? {};
  let prefix: Prefix | null = null;
  if (a.prefix !== undefined) {
    prefix = typeof a.prefix === 'string' ? parsePrefix(a.prefix) : null;
    if (!prefix) return `not a prefix: ${String(a.prefix)}`;
  }
  let families = [Family.IPV4_UNICAST, Family.IPV6_UNICAST];
  if (a.table !== undefined) {
    const f = typeof a.table === 'string' ? TABLES[a.table] : undefined;
    if (f === undefined) return `no table ${String(a.table)} (tables: ipv4, ipv6)`;
    families = [f];
  }
  if (prefix) families = families.filter((f) => f === prefix.family);
  if (a.explain === true && !prefix) return 'explain needs a prefix: show route PREFIX explain';
  return { prefix, families, all: a.all === true || a.explain === true, peer: typeof a.peer === 'string' ? a.peer : null, explain: a.explain === true };
}

function routeQuery(rib: Rib, f: Family, s: number, source: RouteSource, attrs: AttrSet): PolicyQuery {
  const t = rib.loc.tables[f];
  return { family: f, v4: f === Family.IPV4_UNICAST ? (t.v4[s] as number) : 0, bytes: t.v6, at: s * 16, length: t.lengths[s] as number, source, attrs };
}

/** For explain: each update group's verdict on the best path (split horizon, policy terms). */
function exportsOf(rib: Rib, f: Family, s: number, best: Path): { peers: string[]; verdict: string }[] {
  const out: { peers: string[]; verdict: string }[] = [];
  for (const g of rib.groups.values()) {
    if (g.family !== f || g.size === 0) continue;
    let verdict: string;
    if (!exportable(best.source, g.target)) verdict = 'not exported (iBGP split horizon)';
    else if (best.source === g.target.exclude) verdict = 'not sent back to the peer it came from';
    else if (g.target.policy) verdict = g.target.policy.evaluate(routeQuery(rib, f, s, best.source, best.attrs)).trail.join(', ');
    else verdict = 'exported (no policy)';
    out.push({ peers: g.memberNames, verdict });
  }
  return out;
}

/** The rows of one slot for a query, best path first. */
function slotRows(d: Daemon, rib: Rib, f: Family, s: number, q: RouteQuery): RouteRow[] {
  const loc = rib.loc;
  const best = loc.best[f][s] as number;
  const prefix = prefixText(rib, f, s);
  const rows: RouteRow[] = [];
  const ordered: number[] = best >= 0 ? [best] : [];
  for (let p = loc.head[f][s] as number; p >= 0; p = loc.paths.next[p] as number) if (p !== best) ordered.push(p);
  // explain: why each path lost, as the selection saw it (the MED step removes paths from their
  // own neighbour AS group, which a comparison with the best alone would not show).
  let lost: Map<number, string | null> | null = null;
  if (q.explain) {
    const eligible = ordered.filter((p) => pathOf(rib, p).igpCost !== UNREACHABLE);
    const verdicts = explain(eligible.map((p) => pathOf(rib, p)));
    lost = new Map(eligible.map((p, i) => [p, verdicts[i]?.lostAt ?? null]));
  }
  for (const p of ordered) {
    if (p !== best && !q.all && !q.peer) break;
    const row = pathRow(rib, prefix, p, p === best);
    if (q.peer && row.from !== q.peer) continue;
    if (q.explain) {
      const path = pathOf(rib, p);
      row.reachable = path.igpCost !== UNREACHABLE;
      row.lostAt = p === best ? null : !row.reachable ? 'next hop unreachable' : (lost?.get(p) ?? null);
      const chain = path.source.kind === 'local' ? null : d.routing?.importChain(path.source.address);
      if (chain) row.importPolicy = chain.evaluate(routeQuery(rib, f, s, path.source, path.attrs.base ?? path.attrs)).trail;
      if (p === best) row.exports = exportsOf(rib, f, s, path);
    }
    rows.push(row);
  }
  return rows;
}

function pathOf(rib: Rib, p: number): Path {
  const source = rib.sources[rib.loc.paths.source[p] as number];
  const attrs = rib.importStore.get(rib.loc.paths.attr[p] as number);
  if (!source) throw new Error('path without a source');
  return { source, attrs, igpCost: rib.loc.nextHopCost(attrs, source.kind === 'local') };
}

export function registerRouteCommands(server: ControlServer, d: Daemon): void {
  server.on('show route', async (req, out) => {
    const rib = d.routing?.rib;
    const q = query(req.args);
    if (typeof q === 'string') return out.error(q);
    if (!rib) return req.args?.count === true ? out.result({ ipv4: 0, ipv6: 0, total: 0, paths: 0 }) : out.done();
    const loc = rib.loc;
    const count = req.args?.count === true;
    const counts = { ipv4: 0, ipv6: 0, total: 0, paths: 0 };
    const turn = new TurnBudget();
    for (const f of q.families) {
      const t = loc.tables[f];
      const only = q.prefix ? t.findPrefix(q.prefix) : -1;
      if (q.prefix && only < 0) continue;
      const from = q.prefix ? only : 0;
      const to = q.prefix ? only + 1 : t.highWater;
      for (let s = from; s < to; s++) {
        if (turn.due()) await turn.next();
        if (out.closed) return;
        if (!t.used[s] || (loc.head[f][s] as number) < 0) continue;
        if (!q.all && !q.peer && (loc.best[f][s] as number) < 0) continue;
        if (count && !q.peer) {
          // Counting needs no rows: prefixes with a best path, and every candidate path.
          if ((loc.best[f][s] as number) >= 0) counts[f === Family.IPV4_UNICAST ? 'ipv4' : 'ipv6']++;
          for (let p = loc.head[f][s] as number; p >= 0; p = loc.paths.next[p] as number) counts.paths++;
          continue;
        }
        const rows = slotRows(d, rib, f, s, q);
        if (count) {
          if (rows.length) counts[f === Family.IPV4_UNICAST ? 'ipv4' : 'ipv6']++;
          counts.paths += rows.length;
          continue;
        }
        for (const r of rows) await out.row(r);
      }
    }
    if (count) {
      counts.total = counts.ipv4 + counts.ipv6;
      return out.result(counts);
    }
    out.done();
  });

  // Kept for clients of the first protocol version.
  server.on('show route count', (req, out) => server.dispatch({ id: req.id, command: 'show route', args: { ...req.args, count: true } }, out));

  server.on('show fib', async (req, out) => {
    const k = d.kernel;
    if (!k) return out.error('the kernel FIB sync is not enabled (fib.enabled)');
    if (req.args?.diff === true) return out.result(await k.fib.diff());
    const c = d.config.fib;
    out.result({ table: c.table, protocol: c.protocol, metric: c.metric, installed: k.fib.installedCount, ...k.fib.counters });
  });
}
