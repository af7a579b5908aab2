/**
 * `show route` and friends: best routes or every path, filtered by prefix, table (family) and
 * peer, counted, or explained (every candidate and the decision step it lost at). Rows are
 * streamed with backpressure, so a million-route answer is never held in memory.
 */
import { TurnBudget } from '../time/turn-budget.js';
import { Family } from '../wire/constants.js';
import { addressToString, parseAddress, primaryNextHop } from '../wire/address.js';
import { parsePrefix, type Prefix } from '../wire/nlri.js';
import { explain } from '../rib/decision.js';
import type { PathRef, RibReader } from '../rib/rib-reader.js';
import type { AttrSet } from '../rib/attr-set.js';
import type { ControlServer } from './server.js';
import type { ControlHost } from './host.js';

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

/** A row for a prefix with these attributes, from `from` (of kind `source`). */
function attrsRow(prefix: string, a: AttrSet, best: boolean, from: string, source: string): RouteRow {
  return {
    prefix,
    best,
    nextHop: a.nextHop.length === 0 ? 'self' : addressToString(primaryNextHop(a.nextHop)),
    from,
    source,
    asPath: a.asPath.map((seg) => (seg.type === 1 ? `{${seg.asns.join(',')}}` : seg.asns.join(' '))).join(' '),
    origin: ORIGINS[a.origin] ?? String(a.origin),
    localPref: a.localPref >= 0 ? a.localPref : null,
    med: a.med >= 0 ? a.med : null,
    communities: a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`),
  };
}

function pathRow(rib: RibReader, prefix: string, p: PathRef, best: boolean): RouteRow {
  const src = rib.source(p);
  const row = attrsRow(prefix, rib.attrs(p), best, src.address, src.kind === 'local' ? (src.address === 'local' ? 'announce' : src.address) : src.kind);
  const id = rib.pathId(p);
  if (id) row.pathId = id;
  return row;
}

/** A `show route` request, parsed. */
interface ShowRouteArgs {
  prefix: Prefix | null;
  /** `for ADDRESS`: the longest match of the address (4 or 16 bytes). */
  lookup: Uint8Array | null;
  /** With a prefix: the prefix and every more specific one. */
  longer: boolean;
  families: Family[];
  /** Every path (not only the best). */
  all: boolean;
  peer: string | null;
  explain: boolean;
}

const TABLES: Record<string, Family> = { ipv4: Family.IPV4_UNICAST, master4: Family.IPV4_UNICAST, ipv6: Family.IPV6_UNICAST, master6: Family.IPV6_UNICAST };

function parseArgs(args: Record<string, unknown> | undefined): ShowRouteArgs | string {
  const a = args ?? {};
  let prefix: Prefix | null = null;
  if (a.prefix !== undefined) {
    prefix = typeof a.prefix === 'string' ? parsePrefix(a.prefix) : null;
    if (!prefix) return `not a prefix: ${String(a.prefix)}`;
  }
  let lookup: Uint8Array | null = null;
  if (a.for !== undefined) {
    lookup = typeof a.for === 'string' ? parseAddress(a.for) : null;
    if (!lookup) return `not an address: ${String(a.for)}`;
    if (prefix) return 'show route: a prefix or for ADDRESS, not both';
  }
  const longer = a.longer === true;
  if (longer && !prefix) return 'longer needs a prefix: show route PREFIX longer';
  let families = [Family.IPV4_UNICAST, Family.IPV6_UNICAST];
  if (a.table !== undefined) {
    const f = typeof a.table === 'string' ? TABLES[a.table] : undefined;
    if (f === undefined) return `no table ${String(a.table)} (tables: ipv4, ipv6)`;
    families = [f];
  }
  if (prefix) families = families.filter((f) => f === prefix.family);
  if (lookup) families = families.filter((f) => f === (lookup.length === 4 ? Family.IPV4_UNICAST : Family.IPV6_UNICAST));
  if (a.explain === true && !prefix && !lookup) return 'explain needs a prefix: show route PREFIX explain';
  return { prefix, lookup, longer, families, all: a.all === true || a.explain === true, peer: typeof a.peer === 'string' ? a.peer : null, explain: a.explain === true };
}

/** The rows of one slot for a query, best path first. */
function slotRows(host: ControlHost, rib: RibReader, f: Family, s: number, q: ShowRouteArgs): RouteRow[] {
  const best = rib.best(f, s);
  const prefix = rib.prefixText(f, s);
  const rows: RouteRow[] = [];
  const ordered: PathRef[] = best >= 0 ? [best] : [];
  for (let p = rib.firstPath(f, s); p >= 0; p = rib.nextPath(p)) if (p !== best) ordered.push(p);
  // explain: why each path lost, as the selection saw it (the MED step removes paths from their
  // own neighbour AS group, which a comparison with the best alone would not show).
  let lost: Map<PathRef, string | null> | null = null;
  if (q.explain) {
    const eligible = ordered.filter((p) => rib.reachable(p));
    const verdicts = explain(eligible.map((p) => rib.pathView(p)));
    lost = new Map(eligible.map((p, i) => [p, verdicts[i]?.lostAt ?? null]));
  }
  for (const p of ordered) {
    if (p !== best && !q.all && !q.peer) break;
    const row = pathRow(rib, prefix, p, p === best);
    if (q.peer && row.from !== q.peer) continue;
    if (q.explain) {
      const source = rib.source(p);
      const attrs = rib.attrs(p);
      row.reachable = rib.reachable(p);
      row.lostAt = p === best ? null : !row.reachable ? 'next hop unreachable' : (lost?.get(p) ?? null);
      const chain = source.kind === 'local' ? null : host.routeCounts()?.importChain(source.address);
      if (chain) row.importPolicy = chain.evaluate(rib.policyInput(f, s, source, attrs.base ?? attrs)).trail;
      if (p === best) row.exports = rib.exportVerdicts(f, s, p);
    }
    rows.push(row);
  }
  return rows;
}

/** For explain: the paths for `prefix` that import policy rejected, from neighbours that keep them. */
function filteredRows(host: ControlHost, rib: RibReader, prefix: Prefix): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const p of host.peers()) {
    const address = p.config.address;
    const view = rib.receivedFrom(address);
    const chain = host.routeCounts()?.importChain(address);
    if (!view?.kept || !chain) continue;
    for (const r of view.find(prefix)) {
      const v = chain.evaluate(view.policyInput(r));
      if (v.accept) continue;
      const row = attrsRow(view.prefixText(r), r.set, false, address, view.source.kind);
      row.lostAt = 'rejected by import policy';
      row.importPolicy = v.trail;
      rows.push(row);
    }
  }
  return rows;
}

export function registerRouteCommands(server: ControlServer, host: ControlHost): void {
  server.on('show route', async (req, out) => {
    const rib = host.rib();
    const q = parseArgs(req.args);
    if (typeof q === 'string') return out.error(q);
    if (!rib) return req.args?.count === true ? out.result({ ipv4: 0, ipv6: 0, total: 0, paths: 0 }) : out.done();
    const count = req.args?.count === true;
    const counts = { ipv4: 0, ipv6: 0, total: 0, paths: 0 };
    const turn = new TurnBudget();
    // `peer ADDRESS`: only the slots where that neighbour has a path.
    const source = q.peer ? rib.sourceOf(q.peer) : undefined;
    if (q.peer && !source) q.families = [];
    for (const f of q.families) {
      // One slot (a prefix, or the longest match of an address), or a walk (all, a peer's, longer).
      const single = q.lookup ? rib.longestMatch(f, q.lookup) : q.prefix && !q.longer ? rib.find(q.prefix) : -2;
      if (single === -1) continue;
      const walk = single === -2;
      const viaPeer = Boolean(source) && walk;
      const from = walk ? 0 : single;
      const to = walk ? rib.slotLimit(f) : single + 1;
      const next = (s: number) => (viaPeer && source ? rib.nextRouteFrom(f, source, s + 1) : s + 1);
      for (let s = viaPeer && source ? rib.nextRouteFrom(f, source, 0) : from; s >= 0 && s < to; s = next(s)) {
        if (turn.due()) await turn.next();
        if (out.closed) return;
        if (!rib.hasPaths(f, s)) continue;
        if (q.longer && q.prefix && !rib.within(f, s, q.prefix.bytes, q.prefix.length)) continue;
        if (!q.all && !q.peer && rib.best(f, s) < 0) continue;
        if (count && !q.peer) {
          // Counting needs no rows: prefixes with a best path, and every candidate path.
          if (rib.best(f, s) >= 0) counts[f === Family.IPV4_UNICAST ? 'ipv4' : 'ipv6']++;
          counts.paths += rib.pathCount(f, s);
          continue;
        }
        const rows = slotRows(host, rib, f, s, q);
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
    // explain: what import policy rejected for this prefix too, where it was kept (keepReceived).
    if (q.explain && q.prefix) for (const r of filteredRows(host, rib, q.prefix)) await out.row(r);
    out.done();
  });

  // What a neighbour sent, before import policy (received), and what its import policy rejected
  // and by which term (filtered): kept only with keepReceived.
  for (const what of ['received', 'filtered'] as const) {
    server.on(`show route ${what}`, async (req, out) => {
      const address = typeof req.args?.address === 'string' ? req.args.address : '';
      const peer = host.peer(address);
      if (!peer) return out.error(`no neighbor ${address || '(give its address)'}`);
      const view = host.rib()?.receivedFrom(address) ?? null;
      if (!view) return out.error(`${address} has no session: nothing received`);
      if (!view.kept) {
        const n = host.routeCounts()?.filtered(peer) ?? 0;
        return out.error(`routes from ${address} are not kept before import policy (set keepReceived: true for it; it costs memory per route). ${what === 'filtered' ? `Its import policy rejected ${n} announcement${n === 1 ? '' : 's'} so far.` : ''}`.trim());
      }
      const chain = host.routeCounts()?.importChain(address) ?? null;
      const count = req.args?.count === true;
      const counts = { ipv4: 0, ipv6: 0, total: 0 };
      const turn = new TurnBudget();
      const kind = view.source.kind === 'local' ? 'local' : view.source.kind;
      for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
        for (const r of view.routes(f)) {
          if (turn.due()) await turn.next();
          if (out.closed) return;
          const verdict = chain?.evaluate(view.policyInput(r)) ?? null;
          if (what === 'filtered' && (!verdict || verdict.accept)) continue;
          counts[f === Family.IPV4_UNICAST ? 'ipv4' : 'ipv6']++;
          if (count) continue;
          const row = attrsRow(view.prefixText(r), r.set, false, address, kind);
          if (r.pathId) row.pathId = r.pathId;
          row.importPolicy = verdict ? verdict.trail : ['no import policy: accepted'];
          await out.row(row);
        }
      }
      if (count) {
        counts.total = counts.ipv4 + counts.ipv6;
        return out.result(counts);
      }
      out.done();
    });
  }

  // What the update groups announced to a neighbour, after export policy, as sent.
  server.on('show route advertised', async (req, out) => {
    const address = typeof req.args?.address === 'string' ? req.args.address : '';
    if (!host.peer(address)) return out.error(`no neighbor ${address || '(give its address)'}`);
    const rib = host.rib();
    if (!rib) return out.done();
    const count = req.args?.count === true;
    const counts = { ipv4: 0, ipv6: 0, total: 0, catchingUp: false };
    const turn = new TurnBudget();
    for (const view of rib.advertisedTo(address)) {
      counts.catchingUp ||= view.catchingUp;
      const fam = view.family === Family.IPV4_UNICAST ? 'ipv4' : 'ipv6';
      for (let s = view.next(0); s >= 0; s = view.next(s + 1)) {
        if (turn.due()) await turn.next();
        if (out.closed) return;
        counts[fam]++;
        const a = view.attrs(s);
        if (count || !a) continue;
        await out.row(attrsRow(rib.prefixText(view.family, s), a, true, 'self', `to ${address}`));
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
    const fib = host.fib();
    if (!fib) return out.error('the kernel FIB sync is not enabled (fib.enabled)');
    if (req.args?.diff === true) return out.result(await fib.diff());
    out.result({ table: fib.table, protocol: fib.protocol, metric: fib.metric, installed: fib.installed, ...fib.counters });
  });
}
