/**
 * BMP for the daemon: the stations of `bmp.stations` (bmp/station.ts), told of sessions coming
 * up (both OPENs), going down (with the NOTIFICATION when there was one), and of every route a
 * received UPDATE changed: post-policy (what the RIB now holds from the peer), pre-policy (the
 * UPDATE as received), or both.
 */
import type { Logger } from 'pino';
import { hostname } from 'node:os';
import type { Peer } from '../session/peer.js';
import { State } from '../session/fsm.js';
import type { Config } from '../config/load.js';
import type { RibReader } from '../rib/rib-reader.js';
import type { UpdateMessage } from '../wire/update.js';
import { NlriCursor, type NlriBlock, type Prefix } from '../wire/nlri.js';
import { encodeNotification } from '../wire/notification.js';
import { parseAddress } from '../wire/address.js';
import { encodeOpen } from '../wire/open.js';
import { Family } from '../wire/constants.js';
import { wrenVersion } from '../config/version.js';
import type { Clock } from '../time/clock.js';
import { BmpStation, type MonitoredSession, type StationStatus } from '../bmp/station.js';
import { DownReason, StatType, type BmpPeer } from '../bmp/bmp-codec.js';
import { announceUpdate, currentFor, tableOf } from '../bmp/route-messages.js';
import { encodeEndOfRib } from '../wire/update-writer.js';

export interface BmpDeps {
  config(): Config;
  peers(): ReadonlyMap<string, Peer>;
  rib(): RibReader | null;
  filtered(p: Peer): number;
  clock: Clock;
  log: Logger;
}

export class BmpExport {
  private stations: BmpStation[] = [];
  private configured = '';

  constructor(private readonly d: BmpDeps) {}

  /** Stations as the config says: added ones connect, removed ones get Termination. */
  configure(): void {
    const b = this.d.config().bmp;
    const key = JSON.stringify(b);
    if (key === this.configured) return;
    this.configured = key;
    for (const s of this.stations) void s.stop();
    this.stations = [];
    if (!b) return;
    for (const st of b.stations) {
      const station = new BmpStation(
        { address: st.address, port: st.port, sysName: this.d.config().hostname || hostname(), sysDescr: `wren ${wrenVersion()}`, statsInterval: b.statsInterval, maxQueueBytes: b.maxQueueMB * 1048576 },
        { sessions: () => this.sessions() },
        this.d.clock,
        (m) => this.d.log.warn({ message: m }, 'BMP'),
      );
      this.stations.push(station);
      station.start();
    }
  }

  get status(): StationStatus[] {
    return this.stations.map((s) => s.status);
  }

  private modes(): { post: boolean; pre: boolean } {
    const m = this.d.config().bmp?.routeMonitoring ?? 'post-policy';
    return { post: m !== 'pre-policy', pre: m !== 'post-policy' };
  }

  private bmpPeer(p: Peer, postPolicy: boolean): BmpPeer {
    return { address: parseAddress(p.config.address) ?? new Uint8Array(4), asn: p.params?.peerAs ?? p.config.asn, bgpId: p.params?.peerId ?? 0, postPolicy };
  }

  /** One established session as the stations see it. */
  private session(p: Peer): MonitoredSession[] {
    const params = p.params;
    const open = p.openReceived;
    if (p.state !== State.ESTABLISHED || !params || !open) return [];
    const rib = this.d.rib();
    const source = rib?.sourceOf(p.config.address);
    const { post, pre } = this.modes();
    const ports = p.ports;
    const local = p.localAddress ? (parseAddress(p.localAddress) ?? new Uint8Array(4)) : new Uint8Array(4);
    const receivedOpen = encodeOpen(open);
    const out: MonitoredSession[] = [];
    const make = (postPolicy: boolean, table: () => Iterable<Buffer>): MonitoredSession => ({
      peer: this.bmpPeer(p, postPolicy),
      local,
      localPort: ports.local,
      remotePort: ports.remote,
      sentOpen: p.openSent(),
      receivedOpen,
      table,
      stats: () => [
        { type: StatType.REJECTED_BY_POLICY, value: this.d.filtered(p) },
        { type: StatType.ADJ_RIB_IN_ROUTES, value: source ? countFrom(rib as RibReader, source, params.families) : 0 },
        { type: StatType.LOC_RIB_ROUTES, value: rib?.routes ?? 0 },
      ],
    });
    const eor = function* (): Generator<Buffer> {
      for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) if (params.families & (1 << f)) yield encodeEndOfRib(f);
    };
    if (post) out.push(make(true, () => (rib && source ? chain(tableOf(rib, source, params.families, params.codec), eor()) : eor())));
    if (pre) {
      // As received: from the kept Adj-RIB-In (keepReceived), else only what arrives from now on.
      out.push(make(false, () => chain(receivedTable(rib, p, params.codec), eor())));
    }
    return out;
  }

  private sessions(): MonitoredSession[] {
    return [...this.d.peers().values()].flatMap((p) => this.session(p));
  }

  established(p: Peer): void {
    if (this.stations.length === 0) return;
    for (const m of this.session(p)) for (const s of this.stations) s.peerUp(m);
  }

  down(p: Peer, notified: boolean): void {
    if (this.stations.length === 0) return;
    const n = p.lastNotice;
    const reason = notified && n ? (n.sent ? DownReason.LOCAL_NOTIFICATION : DownReason.REMOTE_NOTIFICATION) : DownReason.REMOTE_NO_NOTIFICATION;
    const data = notified && n ? encodeNotification(n.notification) : Buffer.alloc(0);
    const { post, pre } = this.modes();
    for (const s of this.stations) {
      if (post) s.peerDown(this.bmpPeer(p, true), reason, data);
      if (pre) s.peerDown(this.bmpPeer(p, false), reason, data);
    }
  }

  /** After the RIB applied `u`: what it changed, as the stations want it. */
  update(p: Peer, u: UpdateMessage): void {
    if (this.stations.length === 0 || !p.params) return;
    const { post, pre } = this.modes();
    if (pre) {
      const raw = Buffer.from(u.buf.subarray(u.start, u.end));
      for (const s of this.stations) s.route(this.bmpPeer(p, false), raw);
    }
    if (!post) return;
    const rib = this.d.rib();
    const source = rib?.sourceOf(p.config.address);
    if (!rib || !source) return;
    const peer = this.bmpPeer(p, true);
    const ctx = p.params.codec;
    const blocks: NlriBlock[] = [u.withdrawn, u.nlri];
    if (u.mpReach?.nlri) blocks.push(u.mpReach.nlri);
    if (u.mpUnreach?.withdrawn) blocks.push(u.mpUnreach.withdrawn);
    const c = new NlriCursor();
    for (const b of blocks) {
      if (b.end <= b.start) continue;
      c.reset(b);
      while (c.next()) {
        const prefix: Prefix = c.prefix();
        const msg = currentFor(rib, source, prefix, ctx);
        for (const s of this.stations) s.route(peer, msg);
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.stations.map((s) => s.stop()));
    this.stations = [];
  }
}

function* chain(a: Iterable<Buffer>, b: Iterable<Buffer>): Generator<Buffer> {
  yield* a;
  yield* b;
}

function countFrom(rib: RibReader, source: NonNullable<ReturnType<RibReader['sourceOf']>>, families: number): number {
  let n = 0;
  for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
    if (!(families & (1 << f))) continue;
    for (let s = rib.nextRouteFrom(f, source, 0); s >= 0; s = rib.nextRouteFrom(f, source, s + 1)) n++;
  }
  return n;
}

/** A peer's routes as received (keepReceived), as UPDATEs; nothing when they are not kept. */
function* receivedTable(rib: RibReader | null, p: Peer, ctx: Parameters<typeof announceUpdate>[2]): Generator<Buffer> {
  const view = rib?.receivedFrom(p.config.address);
  if (!view?.kept) return;
  for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
    for (const r of view.routes(f)) {
      const bytes = Buffer.from(r.family === Family.IPV4_UNICAST ? [r.v4 >>> 24, (r.v4 >>> 16) & 255, (r.v4 >>> 8) & 255, r.v4 & 255] : r.bytes);
      const prefix: Prefix = { family: r.family, bytes, length: r.length };
      if (r.pathId) prefix.pathId = r.pathId;
      yield announceUpdate(prefix, r.set, ctx);
    }
  }
}
