/** The control commands wrend answers, on top of the daemon's state. */
import { Family } from '../wire/constants.js';
import { ipv4ToString, ipv6ToString } from '../wire/address.js';
import { parsePrefix } from '../wire/nlri.js';
import type { ControlServer } from './server.js';
import type { Daemon } from '../daemon/daemon.js';
import type { NeighborConfig } from '../config/load.js';
import { formatPlan } from '../config/diff.js';

export const PEER_TYPES: Record<NeighborConfig['origin'], string> = {
  mesh: 'node-to-node mesh',
  routeReflectors: 'global',
  routeReflector: 'route reflector client',
  neighbors: 'node specific',
};

function prefixText(d: Daemon, family: Family, slot: number): string {
  const t = d.routing?.rib.loc.tables[family];
  if (!t) return '';
  if (family === Family.IPV4_UNICAST) return `${ipv4ToString(t.v4[slot] as number)}/${t.lengths[slot]}`;
  return `${ipv6ToString(t.v6.subarray(slot * 16, slot * 16 + 16))}/${t.lengths[slot]}`;
}

export function registerCommands(server: ControlServer, d: Daemon, startedAt: number): void {
  server.on('show status', (_req, out) => {
    const peers = [...d.peers.values()];
    out.result({
      routerId: d.config.routerId,
      asn: d.config.asn,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      neighbors: peers.length,
      established: peers.filter((p) => p.state === 'Established').length,
      routes: d.routing?.rib.loc.size ?? 0,
      fibInstalled: d.kernel?.fib.installedCount ?? null,
      worstEventLoopDelayMs: Math.round(d.loop.worstMs),
    });
  });

  const neighbors = () =>
    [...d.peers.values()].map((p) => {
      const s = p.status();
      const n = d.neighborConfig(p.config.address);
      return {
        address: s.address,
        asn: s.asn,
        type: n && (n.routeReflectorClient || d.config.routeReflector?.clients.includes(n.address)) ? PEER_TYPES.routeReflector : n ? PEER_TYPES[n.origin] : 'node specific',
        state: s.state,
        since: new Date(s.since).toISOString(),
        lastError: s.lastError,
        lastNotification: s.lastNotification,
        routesReceived: d.routing?.received(p) ?? 0,
        description: p.config.description,
      };
    });

  server.on('show neighbors', (req, out) => {
    const addr = typeof req.args?.address === 'string' ? req.args.address : null;
    const rows = neighbors().filter((n) => !addr || n.address === addr);
    if (addr && rows.length === 0) return out.error(`no neighbor ${addr}`);
    out.result(rows);
  });

  // The table Calico users know from `calicoctl node status`.
  server.on('node status', (_req, out) => {
    out.result(
      neighbors().map((n) => ({
        peerAddress: n.address,
        peerType: n.type,
        state: n.state === 'Established' ? 'up' : 'start',
        since: n.since.slice(11, 19),
        info: n.state === 'Established' ? 'Established' : `${n.state}${n.lastError ? ` (${n.lastError})` : ''}`,
      })),
    );
  });

  server.on('show route count', (_req, out) => {
    const loc = d.routing?.rib.loc;
    let v4 = 0;
    let v6 = 0;
    if (loc) {
      for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
        const t = loc.tables[f];
        let n = 0;
        for (let s = 0; s < t.highWater; s++) if (t.used[s] && (loc.best[f][s] as number) >= 0) n++;
        if (f === Family.IPV4_UNICAST) v4 = n;
        else v6 = n;
      }
    }
    out.result({ ipv4: v4, ipv6: v6, total: v4 + v6 });
  });

  // Best routes, streamed row by row (never a million-row answer in memory).
  server.on('show route', async (req, out) => {
    const rib = d.routing?.rib;
    if (!rib) return out.done();
    const want = typeof req.args?.prefix === 'string' ? parsePrefix(req.args.prefix) : null;
    if (typeof req.args?.prefix === 'string' && !want) return out.error(`not a prefix: ${req.args.prefix}`);
    const loc = rib.loc;
    for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
      if (want && want.family !== f) continue;
      const t = loc.tables[f];
      const only = want ? (f === Family.IPV4_UNICAST ? t.find4(want.bytes.readUInt32BE(0), want.length) : t.find6(want.bytes, 0, want.length)) : -1;
      for (let s = want ? only : 0; want ? s === only && s >= 0 : s < t.highWater; s++) {
        if (out.closed) return;
        const best = loc.best[f][s] as number;
        if (!t.used[s] || best < 0) continue;
        const src = rib.sources[loc.paths.source[best] as number];
        const a = rib.importStore.get(loc.paths.attr[best] as number);
        const paths: string[] = [];
        for (let p = loc.head[f][s] as number; p >= 0; p = loc.paths.next[p] as number) paths.push(rib.sources[loc.paths.source[p] as number]?.address ?? '?');
        await out.row({
          prefix: prefixText(d, f, s),
          nextHop: a.nextHop.length === 0 ? 'self' : a.nextHop.length === 4 ? ipv4ToString(a.nextHop.readUInt32BE(0)) : ipv6ToString(a.nextHop.subarray(0, 16)),
          from: src?.address ?? '?',
          asPath: a.asPath.map((seg) => (seg.type === 1 ? `{${seg.asns.join(',')}}` : seg.asns.join(' '))).join(' '),
          localPref: a.localPref >= 0 ? a.localPref : null,
          med: a.med >= 0 ? a.med : null,
          paths,
        });
      }
    }
    out.done();
  });

  server.on('disable', (req, out) => {
    const p = typeof req.args?.address === 'string' ? d.peers.get(req.args.address) : undefined;
    if (!p) return out.error('usage: disable ADDRESS (a configured neighbor)');
    p.stop(typeof req.args?.message === 'string' ? req.args.message : 'disabled by wrenc');
    out.result({ address: p.config.address, state: p.state });
  });

  server.on('enable', (req, out) => {
    const p = typeof req.args?.address === 'string' ? d.peers.get(req.args.address) : undefined;
    if (!p) return out.error('usage: enable ADDRESS (a configured neighbor)');
    p.start();
    out.result({ address: p.config.address, state: p.state });
  });

  // Reload: `configure` applies the file (default: the one wrend started with), `configure
  // check` only validates it and returns the plan.
  server.on('configure', async (req, out) => {
    const file = typeof req.args?.file === 'string' ? req.args.file : null;
    const check = req.args?.check === true;
    const plan = await d.reloadFile(file, check);
    out.result({ applied: !check, plan, text: formatPlan(plan) });
  });
}
