/**
 * The RIB: the single owner of route state. Peers hand it UPDATEs; it keeps Adj-RIBs-In, decides
 * in the Loc-RIB and feeds update groups. Everything else asks it or subscribes to it.
 */
import { Family } from '../wire/constants.js';
import { NlriCursor, type NlriBlock, type Prefix } from '../wire/nlri.js';
import { decodeAttributes, type UpdateMessage } from '../wire/update.js';
import { ErrorAction } from '../wire/errors.js';
import type { CodecContext } from '../wire/context.js';
import { AttrStore, fnv1a } from './attr-store.js';
import { NO_NEXT_HOP, normalizeReceived, type AttrSet } from './attr-set.js';
import { AdjRibIn } from './adj-rib-in.js';
import { LocRib } from './loc-rib.js';
import { exportSet, exportable, type ExportTarget } from './export-rules.js';
import { UpdateGroup, CHUNK, type ExportMember } from './update-group.js';
import { cursorKey, v4Key, v6Key, type PrefixKey } from './prefix-key.js';
import type { Path } from './decision.js';
import type { RouteSource } from './route-source.js';

export interface RibPeer {
  source: RouteSource;
  adjIn: AdjRibIn;
  ctx: CodecContext;
  /** Checks on received paths. */
  localAsn: number;
  allowOwnAs: number;
  /** Our own addresses: a path whose next hop is one of them is refused. */
  ownAddresses: Set<string>;
  members: { group: UpdateGroup; member: ExportMember }[];
  /** Counts for show output. */
  received: number;
  rejected: number;
}

export interface RibOptions {
  localAsn: number;
  routerId: number;
  clusterId: number | null;
}

export class Rib {
  readonly importStore = new AttrStore();
  readonly exportStore = new AttrStore();
  readonly loc = new LocRib();
  readonly groups = new Map<string, UpdateGroup>();
  private readonly cursor = new NlriCursor();
  private nextSourceId = 1;
  readonly local: RouteSource;

  constructor(readonly options: RibOptions) {
    this.local = { id: 0, kind: 'local', address: 'local', addressBytes: Buffer.alloc(0), routerId: options.routerId, peerAs: options.localAsn, isClient: false };
    this.loc.onBestChange = (key, best) => this.bestChanged(key, best);
  }

  newSourceId(): number {
    return this.nextSourceId++;
  }

  /** Originate `prefix` from this router (announce). */
  announce(prefix: Prefix): void {
    const key = prefix.family === Family.IPV4_UNICAST ? v4Key(prefix.bytes.readUInt32BE(0), prefix.length) : v6Key(prefix.bytes, 0, prefix.length);
    const set = this.importStore.intern(0, Buffer.from('local'), () => ({
      attrs: [
        { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
        { kind: 'as-path', type: 2, flags: 0x40, segments: [] },
      ],
      nextHop: NO_NEXT_HOP,
    }));
    this.importStore.ref(set);
    this.loc.upsert(key, this.local, set);
  }

  /** The interned set for an UPDATE's attributes, or null when they are unusable (treat as withdraw). */
  private internUpdate(peer: RibPeer, msg: UpdateMessage): AttrSet | null {
    const parts: Buffer[] = [Buffer.from([(peer.ctx.asn4 ? 1 : 0) | (peer.ctx.ebgp ? 2 : 0)])];
    for (const s of msg.spans) {
      if (s.type === 14 || s.type === 15) continue;
      parts.push(s.buf.subarray(s.header, s.end));
    }
    if (msg.mpReach) parts.push(msg.mpReach.nextHop);
    const key = Buffer.concat(parts);
    const hash = fnv1a(key);
    const found = this.importStore.find(hash, key);
    if (found) return found;
    const attrs = decodeAttributes(msg, peer.ctx);
    if (msg.error && msg.error.action !== ErrorAction.ATTRIBUTE_DISCARD) return null;
    let nextHop: Buffer = NO_NEXT_HOP;
    if (msg.mpReach) nextHop = msg.mpReach.nextHop;
    else {
      const nh = attrs.find((a) => a.kind === 'next-hop');
      if (nh?.kind === 'next-hop') {
        nextHop = Buffer.alloc(4);
        nextHop.writeUInt32BE(nh.nextHop, 0);
      }
    }
    return this.importStore.intern(hash, key, () => ({ attrs: normalizeReceived(attrs), nextHop }));
  }

  /** RFC 4271 §9.1.2 / RFC 4456 §8 checks of a received path; a string says why it is refused. */
  private refuse(peer: RibPeer, set: AttrSet): string | null {
    if (set.loops(peer.localAsn, peer.allowOwnAs)) return 'AS path loop';
    if (set.originatorId === this.options.routerId) return 'ORIGINATOR_ID is ours';
    if (this.options.clusterId !== null && set.clusterList.includes(this.options.clusterId)) return 'cluster list loop';
    if (set.nextHop.length === 4 && peer.ownAddresses.has(`${set.nextHop[0]}.${set.nextHop[1]}.${set.nextHop[2]}.${set.nextHop[3]}`)) return 'next hop is ours';
    return null;
  }

  /** Apply one UPDATE from `peer`. Returns why its NLRI were refused, if they were. */
  applyUpdate(peer: RibPeer, msg: UpdateMessage): string | null {
    this.withdraw(peer, msg.withdrawn);
    if (msg.mpUnreach?.withdrawn) this.withdraw(peer, msg.mpUnreach.withdrawn);
    const blocks: NlriBlock[] = [];
    if (msg.nlri.end > msg.nlri.start) blocks.push(msg.nlri);
    if (msg.mpReach?.nlri && msg.mpReach.nlri.end > msg.mpReach.nlri.start) blocks.push(msg.mpReach.nlri);
    if (blocks.length === 0) return null;
    const set = this.internUpdate(peer, msg);
    const why = set ? this.refuse(peer, set) : (msg.error?.message ?? 'malformed attributes');
    if (!set || why) {
      // Treat as withdraw: the refused announcement replaces whatever the peer sent before.
      for (const b of blocks) this.withdraw(peer, b);
      peer.rejected++;
      return why;
    }
    const c = this.cursor;
    for (const b of blocks) {
      c.reset(b);
      while (c.next()) {
        const key = cursorKey(c);
        this.importStore.ref(set);
        const old = peer.adjIn.set(key, set);
        if (old) this.importStore.unref(old);
        else peer.received++;
        this.loc.upsert(key, peer.source, set);
      }
    }
    return null;
  }

  private withdraw(peer: RibPeer, block: NlriBlock): void {
    if (block.end <= block.start) return;
    const c = this.cursor;
    c.reset(block);
    while (c.next()) {
      const key = cursorKey(c);
      const old = peer.adjIn.delete(key);
      if (!old) continue;
      peer.received--;
      this.importStore.unref(old);
      this.loc.remove(key, peer.source);
    }
  }

  /** A peer's session went down: drop its routes, a chunk per event-loop turn. */
  peerDown(peer: RibPeer, done: () => void = () => undefined): void {
    for (const { group, member } of peer.members) group.leave(member);
    peer.members = [];
    const tables = [...peer.adjIn.tables.map((t) => t.entries())];
    const step = () => {
      let n = 0;
      for (const it of tables) {
        for (let r = it.next(); !r.done; r = it.next()) {
          const [key, set] = r.value;
          this.importStore.unref(set);
          this.loc.remove(key, peer.source);
          if (++n >= CHUNK) {
            setImmediate(step);
            return;
          }
        }
      }
      peer.adjIn.tables[0].clear();
      peer.adjIn.tables[1].clear();
      peer.received = 0;
      done();
    };
    step();
  }

  /** Make `member` (one family of an Established peer) receive the routes `target` describes. */
  joinGroup(peer: RibPeer, target: ExportTarget, asn4: boolean, member: ExportMember): UpdateGroup {
    const key = [target.kind, target.isClient, target.family, asn4, target.nextHopSelf, target.localNextHop.toString('hex')].join('|');
    let g = this.groups.get(key);
    if (!g) {
      g = new UpdateGroup(key, target, asn4, (s) => this.exportStore.unref(s), (s) => this.exportStore.ref(s));
      this.groups.set(key, g);
      this.walkInto(g);
    }
    g.join(member);
    peer.members.push({ group: g, member });
    return g;
  }

  /** Queue the whole Loc-RIB into a new group, chunked. */
  private walkInto(g: UpdateGroup): void {
    g.walking = true;
    const it = this.loc.dests.entries();
    const step = () => {
      let n = 0;
      for (let r = it.next(); !r.done; r = it.next()) {
        const [key, d] = r.value;
        if (d.best) this.offer(g, key, d.best);
        if (++n >= CHUNK) {
          setImmediate(step);
          return;
        }
      }
      g.walked();
    };
    step();
  }

  private offer(g: UpdateGroup, key: PrefixKey, best: Path | null): void {
    const fam = typeof key === 'number' ? Family.IPV4_UNICAST : Family.IPV6_UNICAST;
    if (fam !== g.family) return;
    if (!best || !exportable(best, g.target)) {
      if (g.adjOut.has(key)) g.queue(key, null);
      return;
    }
    g.queue(key, this.exported(best, g));
  }

  /** The export set of `best` for `g`, computed once per (attribute set, source, group). */
  private exported(best: Path, g: UpdateGroup): AttrSet {
    let bySource = g.exportCache.get(best.attrs);
    if (!bySource) {
      bySource = new Map();
      g.exportCache.set(best.attrs, bySource);
    }
    let s = bySource.get(best.source.id);
    if (!s) {
      s = exportSet(best, g.target, this.exportStore);
      bySource.set(best.source.id, s);
    }
    return s;
  }

  private bestChanged(key: PrefixKey, best: Path | null): void {
    for (const g of this.groups.values()) this.offer(g, key, best);
  }

  /** Drop groups nobody belongs to any more. */
  pruneGroups(): void {
    for (const [k, g] of this.groups) {
      if (g.size === 0 && !g.walking) {
        for (const s of g.adjOut.values()) this.exportStore.unref(s);
        this.groups.delete(k);
      }
    }
  }
}

