/**
 * BIRD's control-socket line protocol, for the tools that talk to BIRD today: calicoctl node status
 * (`show protocols`), calico-node's probes (`birdcl show status`, `show protocols`) and scripts
 * reading `show protocols all NAME` or `show route`. Off by default. Calico runs BIRD 1.x as two
 * daemons, bird (IPv4) and bird6 (IPv6), and reads one socket for each: so does wren
 * (control.birdCompat for IPv4 peers and routes, control.birdCompat6 for IPv6).
 *
 * The protocol: the server greets with `0001 ... ready.`; each command is answered by lines
 * `NNNN-text` (a reply code, more to come), ` text` (continuing the previous code) and a last line
 * `NNNN text`; `0000` ends a reply that has nothing more to say. Answers are read-only views of
 * wren's state; nothing here can change it.
 */
import { TurnBudget } from '../time/turn-budget.js';
import { wrenVersion } from '../config/version.js';
import { printable } from '../wire/printable.js';
import net from 'node:net';
import type { Logger } from 'pino';
import { Family } from '../wire/constants.js';
import { parsePrefix } from '../wire/nlri.js';
import { addressToString, parseAddress, primaryNextHop } from '../wire/address.js';
import type { PathRef, RibReader } from '../rib/rib-reader.js';
import { closeUnix, listenUnix, serveLines } from './unix-socket.js';
import { peerType } from './neighbor-commands.js';
import type { ControlHost } from './host.js';
import type { Peer } from '../session/peer.js';
import { State } from '../session/fsm.js';

/**
 * The version string tools see: they check the greeting and the codes, not the number, and
 * Calico's BIRD is a 1.6 fork; wren's own version follows in brackets.
 */
export const BIRD_COMPAT_VERSION = `BIRD 1.6.8 (wren ${wrenVersion()})`;
const MAX_LINE = 4096;

/** Calico's protocol names: Mesh_/Node_/Global_ and the address with `.`/`:` as `_`. */
export function birdProtocolName(type: string, address: string): string {
  const prefix = type === 'node-to-node mesh' ? 'Mesh' : type === 'global' ? 'Global' : 'Node';
  return `${prefix}_${address.replace(/[.:]/g, '_')}`;
}

/** BIRD's time format: the time of day when today, else the date. */
function since(ms: number, now: number): string {
  const d = new Date(ms);
  const iso = new Date(ms - d.getTimezoneOffset() * 60_000).toISOString();
  return now - ms < 86_400_000 ? iso.slice(11, 19) : iso.slice(0, 10);
}

/** Builds one reply: consecutive lines of the same code after the first start with a space. */
class Reply {
  private readonly lines: string[] = [];
  private last = -1;

  add(code: number, text: string): this {
    // One line per row whatever the text holds: a newline in it could forge reply lines.
    text = printable(text);
    this.lines.push(code === this.last ? ` ${text}` : `${String(code).padStart(4, '0')}-${text}`);
    this.last = code;
    return this;
  }

  /** The final line: `NNNN text` (0000 when the reply has no closing message). */
  end(code = 0, text = ''): string {
    return [...this.lines, `${String(code).padStart(4, '0')} ${text}`].join('\n') + '\n';
  }
}

function bgpState(p: Peer): string {
  return p.state === State.ESTABLISHED ? 'Established' : p.state;
}

export class BirdCompatServer {
  private server: net.Server | null = null;
  private readonly startedAt = Date.now();
  private reconfiguredAt = Date.now();

  constructor(
    private readonly path: string,
    private readonly d: ControlHost,
    private readonly log: Logger,
    private readonly group: string | null,
    private readonly family: Family,
  ) {}

  private ofFamily(address: string): boolean {
    return address.includes(':') === (this.family === Family.IPV6_UNICAST);
  }

  async start(): Promise<void> {
    this.server = await listenUnix(this.path, this.group, this.log, 'BIRD-compatible socket', (s) => this.client(s));
  }

  reconfigured(): void {
    this.reconfiguredAt = Date.now();
  }

  private client(socket: net.Socket): void {
    socket.write(`0001 ${BIRD_COMPAT_VERSION} ready.\n`);
    serveLines(socket, MAX_LINE, '9001 Command too long\n', (raw) => {
      const line = raw.trim();
      if (line === 'quit' || line === 'exit') {
        socket.end();
        return false;
      }
      return this.answer(line).then((reply) => {
        socket.write(reply);
        return true;
      });
    });
  }

  /** The reply to one command line. */
  async answer(line: string): Promise<string> {
    const w = line.split(/\s+/);
    const is = (...words: string[]) => words.every((x, i) => w[i] === x);
    if (is('restrict')) return new Reply().end(16, 'Access restricted');
    if (is('show', 'status') && w.length === 2) return this.status();
    if (is('show', 'protocols')) {
      const all = w[2] === 'all';
      const name = all ? w[3] : w[2];
      return this.protocols(all, name ?? null);
    }
    if (is('show', 'route')) return this.routes(w.slice(2));
    if (is('show', 'memory')) {
      const m = process.memoryUsage();
      return new Reply().add(1018, 'BIRD memory usage').add(1018, `Total:           ${Math.round(m.rss / 1024)} kB`).end();
    }
    return new Reply().end(9001, `syntax error, unknown command "${line.slice(0, 64)}"`);
  }

  private status(): string {
    const now = Date.now();
    const t = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19).replace('T', ' ');
    return new Reply()
      .add(1000, BIRD_COMPAT_VERSION)
      .add(1011, `Router ID is ${this.d.routerId}`)
      .add(1011, `Current server time is ${t(now)}`)
      .add(1011, `Last reboot on ${t(this.startedAt)}`)
      .add(1011, `Last reconfiguration on ${t(this.reconfiguredAt)}`)
      .end(13, 'Daemon is up and running');
  }

  private protocolRows(): { name: string; peer: Peer | null; proto: string; up: boolean; since: number; info: string }[] {
    const rows: { name: string; peer: Peer | null; proto: string; up: boolean; since: number; info: string }[] = [];
    rows.push({ name: 'device1', peer: null, proto: 'Device', up: true, since: this.startedAt, info: '' });
    if (this.d.fib()) rows.push({ name: 'kernel1', peer: null, proto: 'Kernel', up: true, since: this.startedAt, info: '' });
    for (const p of this.d.peers()) {
      if (!this.ofFamily(p.config.address)) continue;
      const up = p.state === State.ESTABLISHED;
      const err = up ? '' : p.lastError;
      rows.push({ name: birdProtocolName(peerType(this.d, p.config.address), p.config.address), peer: p, proto: 'BGP', up, since: p.since, info: `${bgpState(p)}${err ? `    ${err}` : ''}` });
    }
    return rows;
  }

  private protocols(all: boolean, name: string | null): string {
    const now = Date.now();
    const r = new Reply().add(2002, 'name     proto    table    state  since       info');
    let found = false;
    for (const row of this.protocolRows()) {
      if (name && row.name !== name) continue;
      found = true;
      const state = row.peer && !row.peer.enabled ? 'down' : row.up ? 'up' : 'start';
      r.add(1002, `${row.name.padEnd(8)} ${row.proto.padEnd(8)} master   ${state.padEnd(6)} ${since(row.since, now).padEnd(10)}  ${row.info}`.trimEnd());
      if (all && row.peer) this.protocolDetail(r, row.peer);
    }
    if (name && !found) return new Reply().end(8003, 'No protocols match');
    return r.end();
  }

  private protocolDetail(r: Reply, p: Peer): void {
    const s = p.status();
    const routing = this.d.routeCounts();
    const kv = (k: string, v: string | number) => r.add(1006, `  ${`${k}:`.padEnd(16)}${v}`);
    kv('Description', p.config.description || `Connection to BGP peer`);
    kv('Preference', 100);
    kv('Input filter', 'ACCEPT');
    kv('Output filter', 'ACCEPT');
    kv('Routes', `${routing?.received(p) ?? 0} imported, ${routing?.advertised(p) ?? 0} exported`);
    r.add(1006, `  BGP state:          ${bgpState(p)}`);
    r.add(1006, `    Neighbor address: ${s.address}`);
    r.add(1006, `    Neighbor AS:      ${s.asn}`);
    if (s.params) {
      const id = s.params.peerId;
      r.add(1006, `    Neighbor ID:      ${id >>> 24}.${(id >>> 16) & 255}.${(id >>> 8) & 255}.${id & 255}`);
      r.add(1006, `    Session:          ${s.params.ebgp ? 'external' : 'internal'}${s.params.asn4 ? ' AS4' : ''}`);
      r.add(1006, `    Source address:   ${p.localAddress}`);
      r.add(1006, `    Hold timer:       ${s.params.holdTime}`);
    } else if (s.lastError) {
      r.add(1006, `    Last error:       ${s.lastError}`);
    }
  }

  /** The protocol name of a route source: Calico's name for a peer, static1 for our own. */
  private protocolOf(address: string, kind: string): string {
    return kind === 'local' ? 'static1' : birdProtocolName(peerType(this.d, address), address);
  }

  /** A peer by its protocol name (Mesh_192_0_2_2 ...), in this socket's family. */
  private peerNamed(name: string): Peer | undefined {
    return this.protocolRows().find((r) => r.name === name && r.peer)?.peer ?? undefined;
  }

  /**
   * One route in BIRD 1.6's one-line layout: `PREFIX via NH on IFACE [PROTO TIME] * (PREF[/METRIC]) [ASNi]`,
   * with ` from ADDR` when the route came from another router than its next hop; (PREF/METRIC)
   * for a recursive (iBGP) next hop; the AS is the origin AS (the last of the path).
   */
  private routeLine(rib: RibReader, f: Family, s: number, p: PathRef, best: boolean, now: number): string {
    const src = rib.source(p);
    const a = rib.attrs(p);
    const nhBytes = primaryNextHop(a.nextHop);
    const nh = a.nextHop.length === 0 ? '' : addressToString(nhBytes);
    const iface = nh ? this.d.fib()?.interfaceFor(nhBytes) ?? '' : '';
    const via = !nh || src.kind === 'local' ? 'blackhole' : `via ${nh}${iface ? ` on ${iface}` : ''}`;
    const proto = this.protocolOf(src.address, src.kind);
    const peer = src.kind === 'local' ? undefined : this.d.peer(src.address);
    const when = since(peer?.since ?? this.startedAt, now);
    const from = src.kind !== 'local' && nh && nh !== src.address ? ` from ${src.address}` : '';
    let info: string;
    if (src.kind === 'local') info = ' (200)';
    else {
      const cost = rib.igpCost(p);
      const metric = src.kind === 'ibgp' ? (rib.reachable(p) ? `/${cost >= 0 ? cost : '?'}` : '/-') : '';
      let origin = '';
      for (const seg of a.asPath) if (seg.asns.length) origin = seg.type === 1 ? '' : String(seg.asns[seg.asns.length - 1]);
      info = ` (100${metric}) [${origin ? `AS${origin}` : ''}${['i', 'e', '?'][a.origin] ?? '?'}]`;
    }
    return `${rib.prefixText(f, s).padEnd(18)} ${via} [${proto} ${when}${from}]${best ? ' *' : ''}${info}`;
  }

  /**
   * `show route [for ADDRESS | PREFIX] [protocol NAME | export NAME] [all-paths as BIRD: primary]
   * [count]`, in BIRD 1.6's layout; an option wren does not implement is refused with BIRD's
   * parse-error code, never answered with the whole table.
   */
  private async routes(args: string[]): Promise<string> {
    const rib = this.d.rib();
    let count = false;
    let lookup: Uint8Array | null = null;
    let prefixArg: string | null = null;
    let protocol: Peer | null = null;
    let exportTo: Peer | null = null;
    let name = '';
    for (let i = 0; i < args.length; i++) {
      const w = args[i] as string;
      if (w === 'count') count = true;
      else if (w === 'primary') continue;
      else if (w === 'for' && args[i + 1]) {
        const v = args[++i] as string;
        const p = v.includes('/') ? parsePrefix(v) : null;
        lookup = p ? p.bytes : parseAddress(v);
        if (!lookup) return new Reply().end(9001, `syntax error, invalid address ${v.slice(0, 64)}`);
      } else if ((w === 'protocol' || w === 'export') && args[i + 1]) {
        name = args[++i] as string;
        const p = this.peerNamed(name);
        if (!p) return new Reply().end(9002, `${name.slice(0, 64)}: Not a protocol`);
        if (w === 'protocol') protocol = p;
        else exportTo = p;
      } else if (w.includes('/') && prefixArg === null) prefixArg = w;
      else return new Reply().end(9001, `syntax error, "${w.slice(0, 64)}" is not supported by wren's BIRD-compatible socket (use wrenc show route)`);
    }
    const prefix = prefixArg ? parsePrefix(prefixArg) : null;
    if (prefixArg && !prefix) return new Reply().end(9001, `syntax error, invalid prefix ${prefixArg.slice(0, 64)}`);
    const f = this.family;
    if ((prefix && prefix.family !== f) || (lookup && (lookup.length === 16) !== (f === Family.IPV6_UNICAST))) return new Reply().end(8001, 'Network not in table');
    const r = new Reply();
    let routes = 0;
    let networks = 0;
    let total = 0;
    const LIMIT = 100_000;
    const now = Date.now();
    // A walk over a million slots yields the event loop every few milliseconds.
    const turn = new TurnBudget();
    if (rib) {
      const single = lookup ? rib.longestMatch(f, lookup) : prefix ? rib.find(prefix) : -2;
      if ((lookup || prefix) && (single < 0 || rib.best(f, single) < 0)) return new Reply().end(8001, 'Network not in table');
      const advertised = exportTo ? rib.advertisedTo(exportTo.config.address).find((v) => v.family === f) ?? null : null;
      if (exportTo && !advertised) return count ? r.add(14, '0 of 0 routes for 0 networks').end() : r.end();
      const from = single >= 0 ? single : 0;
      const to = single >= 0 ? single + 1 : rib.slotLimit(f);
      for (let s = from; s < to; s++) {
        if (turn.due()) await turn.next();
        if (!rib.isPrefix(f, s)) continue;
        const best = rib.best(f, s);
        if (best < 0) continue;
        total += rib.pathCount(f, s);
        if (advertised && advertised.attrs(s) === null) continue;
        let shownHere = 0;
        const show = (p: PathRef) => {
          routes++;
          shownHere++;
          if (!count && routes <= LIMIT) r.add(1007, this.routeLine(rib, f, s, p, p === best, now));
        };
        // protocol NAME: every path it gave, best or not; otherwise the best only.
        if (!protocol) show(best);
        else for (let p = rib.firstPath(f, s); p >= 0; p = rib.nextPath(p)) if (rib.source(p).address === protocol.config.address) show(p);
        if (shownHere > 0) networks++;
      }
    }
    if (count) return r.add(14, `${routes} of ${total} routes for ${networks} networks`).end();
    if (routes > LIMIT) r.add(8001, `(${routes - LIMIT} more routes not shown; use wrenc show route)`);
    return r.end();
  }

  close(): void {
    closeUnix(this.server, this.path);
  }
}
