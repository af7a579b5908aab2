/**
 * The RIB: the single owner of route state. Peers hand it UPDATEs; it interns attributes, keeps
 * every path in the Loc-RIB's slot chains (which are also the Adj-RIBs-In), decides, and tells
 * update groups which prefixes changed. Everything else asks it or subscribes to it.
 */
import type { DecisionOptions, Path } from './decision.js';
import { ALL_FAMILIES, AttrFlag, AttrType, Family } from '../wire/constants.js';
import { NlriCursor, type NlriBlock, type Prefix } from '../wire/nlri.js';
import { decodeAttributes, type UpdateMessage } from '../wire/update.js';
import type { PathAttribute } from '../wire/attributes/types.js';
import { ErrorAction } from '../wire/errors.js';
import type { CodecContext } from '../wire/context.js';
import { AttrStore, type SetParts } from './attr-store.js';
import { AdjRibIn } from './adj-rib-in.js';
import { keyedHash } from './keyed-hash.js';
import { LLGR_STALE, NO_NEXT_HOP, type AttrSet } from './attr-set.js';
import { canonicalKey, KeyFormat, MAX_RECEIVED_KEY, normalizeReceived, writeReceivedKey } from './attr-key.js';
import { RibReader } from './rib-reader.js';
import { ReceivedFields } from './received-fields.js';
import { LocRib } from './loc-rib.js';
import { realClock, type Clock } from '../time/clock.js';
import { walkChunked, type Walk } from '../time/chunked-walk.js';
import type { NextHopResolver } from './nexthop.js';
import { exportSet, exportable, type ExportTarget } from './export-rules.js';
import { UpdateGroup, CHUNK, type ExportMember } from './update-group.js';
import { selectPaths, type PathSelection } from './path-selection.js';
import { UNREACHABLE } from './nexthop.js';
import type { RouteSource } from './route-source.js';
import { applyActions } from '../policy/actions.js';
import type { PolicyChain, PolicyResult, PolicyInput } from '../policy/policy.js';

/**
 * ADD-PATH receive: the most paths one peer may have for one prefix. Paths of a prefix are a
 * chain, so without a bound a peer sending 20,000 path ids for one prefix costs O(n^2) work.
 */
export const MAX_PATHS_PER_PREFIX = 64;

export interface RibPeer {
  source: RouteSource;
  ctx: CodecContext;
  localAsn: number;
  /** Accept paths with our own ASN up to this many times. */
  allowOwnAs: number;
  /** Our own addresses: a path whose next hop is one of them is refused. */
  ownAddresses: Set<string>;
  members: { group: UpdateGroup; member: ExportMember }[];
  /** Prefixes currently received from the peer, and UPDATEs refused. */
  received: number;
  rejected: number;
  /** Import policy chain, and prefixes it rejected (counted per announcement). */
  importPolicy?: PolicyChain | null;
  filtered?: number;
  /** ADD-PATH paths not kept: the prefix already had MAX_PATHS_PER_PREFIX paths from the peer. */
  pathsRefused?: number;
  /** Over the neighbour's prefix limit (warned or acted on once per crossing). */
  overLimit?: boolean;
  /**
   * Earlier sessions of the same neighbour whose paths are kept as stale (graceful restart): a
   * prefix this session announces or withdraws replaces theirs.
   */
  stale?: RibPeer[];
}

export interface RibOptions {
  localAsn: number;
  routerId: number;
  clusterId: number | null;
  /** MED rules of the best-path selection (config `bestPath`). */
  decision?: DecisionOptions;
  /** Time and deferred work (chunked walks, update-group flushes); the real clock by default. */
  clock?: Clock;
}

export class Rib {
  readonly importStore = new AttrStore();
  readonly exportStore = new AttrStore();
  readonly sources: (RouteSource | undefined)[] = [];
  readonly loc: LocRib;
  readonly groups = new Map<string, UpdateGroup>();
  /** Where received keys are written (attr-key.ts). */
  private readonly keyScratch = Buffer.allocUnsafe(MAX_RECEIVED_KEY);
  private readonly receivedFields = new ReceivedFields();
  /** The groups' values, for the per-prefix loops. */
  private groupList: UpdateGroup[] = [];
  private readonly cursor = new NlriCursor();
  private readonly query: PolicyInput;
  private readonly exportQuery: PolicyInput;
  private readonly freeSourceIds: number[] = [];
  /** The sets each policy result made, per base set (a result is shared by every route with its outcome). */
  private readonly derivedSets = new WeakMap<PolicyResult, WeakMap<AttrSet, AttrSet>>();
  /** The read API for everything outside src/rib (queries, multipath, change events). */
  readonly reader: RibReader;
  /** Told when a group leaves a route out because it cannot be encoded (see UpdateGroup.unsendable). */
  onUnsendable: ((group: UpdateGroup, slot: number, attrsLength: number) => void) | null = null;
  readonly local: RouteSource;

  private readonly clock: Clock;

  constructor(readonly options: RibOptions) {
    this.clock = options.clock ?? realClock;
    this.local = { id: 0, serial: ++sourceSerials, kind: 'local', address: 'local', addressBytes: Buffer.alloc(0), routerId: options.routerId, peerAs: options.localAsn, isClient: false };
    this.sources[0] = this.local;
    this.query = { family: Family.IPV4_UNICAST, v4: 0, bytes: NO_NEXT_HOP, at: 0, length: 0, source: this.local, attrs: null as unknown as AttrSet };
    this.exportQuery = { ...this.query };
    this.loc = new LocRib(this.importStore, this.sources, options.decision);
    const reader = new RibReader(this.loc, this.sources, this.importStore, this.exportStore, this.groups);
    this.reader = reader;
    // Called per prefix: indexed loops over arrays (a Map iterator is an allocation per call).
    // When only other paths changed, groups sending more than the best path care, no others.
    const changed = (family: Family, slot: number, bestChanged: boolean): void => {
      const gs = this.groupList;
      for (let i = 0; i < gs.length; i++) {
        const g = gs[i] as UpdateGroup;
        if (g.family === family && (bestChanged || g.selection !== 'best')) g.touch(slot);
      }
      const ls = reader.changeListeners;
      for (let i = 0; i < ls.length; i++) (ls[i] as (f: Family, s: number) => void)(family, slot);
    };
    this.loc.onBestChange = (family, slot) => changed(family, slot, true);
    this.loc.onPathsChange = (family, slot) => changed(family, slot, false);
  }

  /** Register a route source under a fresh id (ids of sources whose routes are gone are reused). */
  newSource(fields: Omit<RouteSource, 'id' | 'serial'>): RouteSource {
    const id = this.freeSourceIds.pop() ?? this.sources.length;
    const source: RouteSource = { ...fields, id, serial: ++sourceSerials };
    this.sources[id] = source;
    return source;
  }

  /** Originate `prefix` from this router (announce). */
  announce(prefix: Prefix): void {
    this.originate(this.local, prefix);
  }

  /** The attributes of a locally originated route: ORIGIN IGP, empty path, next hop self. */
  localSet(): AttrSet {
    return this.importStore.intern(0, LOCAL_KEY, () => ({ attrs: LOCAL_ATTRS, nextHop: NO_NEXT_HOP }));
  }

  /**
   * Originate `prefix` from a local source (config or kernel), with the local attributes or, when
   * a policy chain is given, as it decides. Returns false when the policy rejected it.
   */
  originate(source: RouteSource, prefix: Prefix, policy: PolicyChain | null = null, iface: string | null = null): boolean {
    let set = this.localSet();
    if (policy) {
      const r = policy.evaluate({ family: prefix.family, v4: prefix.family === Family.IPV4_UNICAST ? prefix.bytes.readUInt32BE(0) : 0, bytes: prefix.bytes, at: 0, length: prefix.length, source, attrs: set, iface });
      if (!r.accept) {
        this.unoriginate(source, prefix);
        return false;
      }
      if (r.changes) set = this.derive(set, r);
    }
    const t = this.loc.tables[prefix.family];
    const slot = t.insertPrefix(prefix);
    const old = this.loc.upsert(prefix.family, slot, source.id, set.id);
    if (old !== set.id) {
      this.importStore.ref(set);
      if (old >= 0) this.importStore.unref(this.importStore.get(old));
    }
    return true;
  }

  /**
   * The set a policy result makes of `base`: interned, shared by every route with the same
   * outcome, never a change to `base` itself. It remembers `base` for `show route ... explain`.
   */
  derive(base: AttrSet, r: PolicyResult): AttrSet {
    let derived = this.derivedSets.get(r);
    if (!derived) {
      derived = new WeakMap();
      this.derivedSets.set(r, derived);
    }
    const hit = derived.get(base);
    if (hit && this.importStore.byId[hit.id] === hit) return hit;
    const { attrs, nextHop } = applyActions(base.attrs, base.nextHop, r.actions, { ebgpExport: false, selfNextHop: null, originalNextHop: base.nextHop, localAsn: this.options.localAsn });
    const key = canonicalKey(KeyFormat.DERIVED, attrs, nextHop);
    const set = this.importStore.intern(keyedHash(key), key, () => ({ attrs, nextHop }));
    if (!set.base && set !== base) {
      set.base = base;
      this.importStore.ref(base);
    }
    derived.set(base, set);
    return set;
  }

  /** Stop originating `prefix` from a local source. */
  unoriginate(source: RouteSource, prefix: Prefix): void {
    const t = this.loc.tables[prefix.family];
    const slot = t.findPrefix(prefix);
    if (slot < 0) return;
    const old = this.loc.remove(prefix.family, slot, source.id);
    if (old >= 0) this.importStore.unref(this.importStore.get(old));
  }

  /** The interned set for an UPDATE's attributes, or null when they are unusable (treat as withdraw). */
  private internUpdate(peer: RibPeer, msg: UpdateMessage): AttrSet | null {
    const key = this.keyScratch;
    const n = writeReceivedKey(key, peer.ctx.asn4, peer.ctx.ebgp, msg.spans, msg.mpReach?.nextHop ?? null);
    return this.importStore.internIf(keyedHash(key, n), key, n, this.updateParts, peer, msg);
  }

  /** A new set's parts from an UPDATE (made once: no closure per UPDATE), or null when unusable. */
  private readonly updateParts = (store: AttrStore, peer: RibPeer, msg: UpdateMessage): SetParts | null => {
    // A plain UPDATE: its fields straight from the wire, nothing decoded (received-fields.ts).
    const fields = this.receivedFields.read(msg, peer.ctx);
    let attrs: PathAttribute[] | null = null;
    let v4 = -1;
    if (fields) v4 = this.receivedFields.nextHop;
    else {
      attrs = decodeAttributes(msg, peer.ctx);
      if (msg.error && msg.error.action !== ErrorAction.ATTRIBUTE_DISCARD) return null;
      const nh = attrs.find((a) => a.kind === 'next-hop');
      if (nh?.kind === 'next-hop') v4 = nh.nextHop;
    }
    let nextHop: Buffer = msg.mpReach ? msg.mpReach.nextHop : v4 >= 0 ? store.nextHopV4(v4) : NO_NEXT_HOP;
    if (nextHop.length > 4) nextHop = store.nextHop(nextHop);
    return fields ? { fields, nextHop } : { attrs: normalizeReceived(attrs ?? []), nextHop };
  };

  /** RFC 4271 §9.1.2 / RFC 4456 §8 checks of a received path; a string says why it is refused. */
  private refuse(peer: RibPeer, set: AttrSet): string | null {
    if (set.loops(peer.localAsn, peer.allowOwnAs)) return 'AS path loop';
    if (set.originatorId === this.options.routerId) return 'ORIGINATOR_ID is ours';
    if (this.options.clusterId !== null && set.clusterLength > 0 && set.clusterList.includes(this.options.clusterId)) return 'cluster list loop';
    if (set.nextHop.length === 4 && peer.ownAddresses.size > 0 && peer.ownAddresses.has(`${set.nextHop[0]}.${set.nextHop[1]}.${set.nextHop[2]}.${set.nextHop[3]}`)) return 'next hop is ours';
    return null;
  }

  /** Keep what `peer` sends as it arrives, before import policy (keepReceived): a new, empty Adj-RIB-In. */
  keepReceived(peer: RibPeer): void {
    peer.source.adjIn?.clear();
    peer.source.adjIn = new AdjRibIn(this.importStore);
  }

  /** Stop keeping what `peer` sends before policy. */
  dropReceived(peer: RibPeer): void {
    peer.source.adjIn?.clear();
    peer.source.adjIn = undefined;
  }

  /** Apply one UPDATE from `peer`. Returns why its NLRI were refused, if they were. */
  applyUpdate(peer: RibPeer, msg: UpdateMessage): string | null {
    this.withdraw(peer, msg.withdrawn);
    if (msg.mpUnreach?.withdrawn) this.withdraw(peer, msg.mpUnreach.withdrawn);
    // The two blocks an UPDATE may announce: its IPv4 NLRI and MP_REACH_NLRI's (no array per UPDATE).
    const v4 = msg.nlri.end > msg.nlri.start ? msg.nlri : null;
    const mpNlri = msg.mpReach?.nlri;
    const mp = mpNlri && mpNlri.end > mpNlri.start ? mpNlri : null;
    if (!v4 && !mp) return null;
    const set = this.internUpdate(peer, msg);
    const why = set ? this.refuse(peer, set) : (msg.error?.message ?? 'malformed attributes');
    if (!set || why) {
      // Treat as withdraw: the refused announcement replaces whatever the peer sent before.
      if (v4) this.withdraw(peer, v4);
      if (mp) this.withdraw(peer, mp);
      peer.rejected++;
      if (set) this.importStore.release(set);
      return why;
    }
    if (v4) this.announceBlock(peer, v4, set);
    if (mp) this.announceBlock(peer, mp, set);
    // Every prefix rejected by policy: nothing holds the set.
    this.importStore.release(set);
    return null;
  }

  /** Announce the prefixes of `b` from `peer` with the interned set `set`, through its import policy. */
  private announceBlock(peer: RibPeer, b: NlriBlock, set: AttrSet): void {
    const c = this.cursor;
    const src = peer.source.id;
    const policy = peer.importPolicy ?? null;
    const adjIn = peer.source.adjIn;
    // Prefixes of one UPDATE mostly share one outcome: remember the last accepted one.
    let lastResult: PolicyResult | null = null;
    let lastUse = set;
    const fam = b.family;
    const t = this.loc.tables[fam];
    c.reset(b);
    while (c.next()) {
      let use = set;
      adjIn?.announce(c, set);
      if (policy) {
        // One query object, filled per prefix: no allocation on this path.
        const q = this.query;
        q.family = fam;
        q.v4 = c.v4;
        q.bytes = c.buf;
        q.at = c.bytesAt;
        q.length = c.length;
        q.source = peer.source;
        q.attrs = set;
        const r = policy.evaluate(q);
        if (r === lastResult) {
          use = lastUse;
        } else if (!r.accept) {
          // Rejected by import policy: as a withdraw of whatever the peer sent before.
          this.withdrawOne(peer, fam, c.addPath ? c.pathId : 0);
          peer.filtered = (peer.filtered ?? 0) + 1;
          continue;
        } else {
          if (r.changes) use = this.derive(set, r);
          lastResult = r;
          lastUse = use;
        }
      }
      const slot = fam === Family.IPV4_UNICAST ? t.insert4(c.v4Int, c.length) : t.insert6(c.buf, c.bytesAt, c.length);
      if (c.addPath && this.loc.pathOf(fam, slot, src, c.pathId) < 0 && this.loc.pathsFrom(fam, slot, src) >= MAX_PATHS_PER_PREFIX) {
        peer.pathsRefused = (peer.pathsRefused ?? 0) + 1;
        continue;
      }
      const old = this.loc.upsert(fam, slot, src, use.id, c.addPath ? c.pathId : 0);
      if (old !== use.id) {
        this.importStore.ref(use);
        if (old >= 0) this.importStore.unref(this.importStore.get(old));
        else peer.received++;
      }
      // The restarted peer's stale path goes only after the new one holds its set: the two often
      // share one (the same attributes again), and dropping first freed it under the new path.
      if (peer.stale) this.dropStale(peer.stale, fam, slot);
    }
  }

  /** Remove the path of the cursor's current prefix from `peer`, if it has one. */
  private withdrawOne(peer: RibPeer, fam: Family, pathId: number): void {
    const c = this.cursor;
    const t = this.loc.tables[fam];
    const slot = fam === Family.IPV4_UNICAST ? t.find4(c.v4Int, c.length) : t.find6(c.buf, c.bytesAt, c.length);
    if (slot < 0) return;
    if (peer.stale) this.dropStale(peer.stale, fam, slot);
    const old = this.loc.remove(fam, slot, peer.source.id, pathId);
    if (old < 0) return;
    peer.received--;
    this.importStore.unref(this.importStore.get(old));
  }

  private withdraw(peer: RibPeer, block: NlriBlock): void {
    if (block.end <= block.start) return;
    const c = this.cursor;
    const fam = block.family;
    const adjIn = peer.source.adjIn;
    c.reset(block);
    while (c.next()) {
      adjIn?.withdraw(c);
      this.withdrawOne(peer, fam, c.addPath ? c.pathId : 0);
    }
  }

  /** Remove every path of the stale sessions `stale` for one prefix (it was announced or withdrawn again). */
  private dropStale(stale: RibPeer[], fam: Family, slot: number): void {
    for (const s of stale) {
      // A stale session left with no path has had its source id freed, maybe reused since.
      if (this.sources[s.source.id] !== s.source) continue;
      for (let old = this.loc.remove(fam, slot, s.source.id, -1); old >= 0; old = this.loc.remove(fam, slot, s.source.id, -1)) {
        s.received--;
        this.importStore.unref(this.importStore.get(old));
      }
    }
  }

  /** A peer's session went down: drop its routes, a chunk per event-loop turn. */
  peerDown(peer: RibPeer, done: () => void = () => undefined): void {
    this.detach(peer);
    this.dropPaths(peer, ALL_FAMILIES, done);
  }

  /** A session ended, its paths stay (graceful restart): it stops receiving exports. */
  detach(peer: RibPeer): void {
    for (const { group, member } of peer.members) group.leave(member);
    peer.members = [];
    // What the session received before policy goes with it (a new session sends it again).
    peer.source.adjIn?.clear();
    peer.source.adjIn = undefined;
  }

  /**
   * Drop a (detached) peer's paths of the families in the mask `families`, a chunk per event-loop
   * turn; its source id is freed once it holds no path at all.
   */
  dropPaths(peer: RibPeer, families: number, done: () => void = () => undefined): void {
    const src = peer.source.id;
    walkChunked(this.clock, {
      parts: 2,
      chunk: CHUNK,
      limit: (fam) => (families & (1 << fam) ? this.loc.tables[fam as Family].highWater : 0),
      visit: (part, slot) => {
        if (peer.received === 0) return false;
        const fam = part as Family;
        const t = this.loc.tables[fam];
        // With ADD-PATH a source may hold several paths for one prefix: remove them all.
        for (let old = t.inUse(slot) ? this.loc.remove(fam, slot, src, -1) : -1; old >= 0; old = t.inUse(slot) ? this.loc.remove(fam, slot, src, -1) : -1) {
          peer.received--;
          this.importStore.unref(this.importStore.get(old));
        }
      },
      done: () => {
        // Freed once (two walks over one peer may both finish).
        if (peer.received === 0 && this.sources[src] === peer.source) {
          this.sources[src] = undefined;
          this.freeSourceIds.push(src);
        }
        done();
      },
    });
  }

  /**
   * RFC 9494: the kept paths of `peer` (a session gone, its restart time over) become long-lived
   * stale: a path with NO_LLGR goes; the others get LLGR_STALE added (an interned set derived from
   * theirs), which makes them least preferred and keeps them from peers without LLGR. A chunk of
   * prefixes per event-loop turn.
   */
  markLongLivedStale(peer: RibPeer, families: number, done: () => void = () => undefined): void {
    const src = peer.source.id;
    const pool = this.loc.paths;
    const ids: number[] = [];
    const attrs: number[] = [];
    walkChunked(this.clock, {
      parts: 2,
      chunk: CHUNK,
      limit: (fam) => (families & (1 << fam) ? this.loc.tables[fam as Family].highWater : 0),
      visit: (part, slot) => {
        if (peer.received === 0 || this.sources[src] !== peer.source) return false;
        const fam = part as Family;
        if (!this.loc.tables[fam].inUse(slot)) return;
        ids.length = 0;
        attrs.length = 0;
        for (let p = this.loc.head[fam][slot] as number; p >= 0; p = pool.next[p] as number) {
          if (pool.source[p] !== src) continue;
          ids.push(pool.idOf(p));
          attrs.push(pool.attr[p] as number);
        }
        for (let i = 0; i < ids.length; i++) {
          const set = this.importStore.get(attrs[i] as number);
          if (set.llgrStale) continue;
          if (set.noLlgr) {
            const old = this.loc.remove(fam, slot, src, ids[i] as number);
            if (old >= 0) {
              peer.received--;
              this.importStore.unref(this.importStore.get(old));
            }
            continue;
          }
          const stale = this.longLivedStaleOf(set);
          this.importStore.ref(stale);
          const old = this.loc.upsert(fam, slot, src, stale.id, ids[i] as number);
          if (old >= 0) this.importStore.unref(this.importStore.get(old));
        }
      },
      done,
    });
  }

  /** `set` with the LLGR_STALE community added, interned (shared by every route it happens to). */
  private longLivedStaleOf(set: AttrSet): AttrSet {
    const list: PathAttribute[] = set.attrs.filter((a) => a.kind !== 'communities');
    list.push({ kind: 'communities', type: AttrType.COMMUNITIES, flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, communities: [...set.communities, LLGR_STALE] });
    list.sort((x, y) => x.type - y.type);
    const key = canonicalKey(KeyFormat.LLGR, list, set.nextHop);
    const out = this.importStore.intern(keyedHash(key), key, () => ({ attrs: list, nextHop: set.nextHop }));
    if (!out.base && out !== set) {
      out.base = set;
      this.importStore.ref(set);
    }
    return out;
  }

  /** The next-hop view changed: decide every prefix again, a chunk per event-loop turn. */
  redecideAll(): void {
    // A newer walk takes over from one under way.
    this.redecideWalk?.cancel();
    this.redecideWalk = walkChunked(this.clock, {
      parts: 2,
      chunk: CHUNK * 2,
      limit: (fam) => this.loc.tables[fam as Family].highWater,
      visit: (part, slot) => {
        const fam = part as Family;
        if (this.loc.tables[fam].inUse(slot) && (this.loc.head[fam][slot] as number) >= 0) this.loc.redecide(fam, slot);
      },
    });
  }
  private redecideWalk: Walk | null = null;

  /** Make `member` (one family of an Established peer) receive the routes `target` describes. */
  joinGroup(peer: RibPeer, target: ExportTarget, asn4: boolean, member: ExportMember, addPathSend = false, extendedMessage = false, sentBefore: number[] | null = null, selection: PathSelection = 'best'): UpdateGroup {
    // Without ADD-PATH send only the best path can go.
    const sel: PathSelection = addPathSend ? selection : 'best';
    const key = [
      target.kind, target.isClient, target.family, asn4, addPathSend, sel, extendedMessage, target.localAsn, target.clusterId ?? -1, target.nextHopSelf, target.nextHopKeep, target.localNextHop.toString('hex'), target.policy?.id ?? 0, target.exclude?.id ?? -1, target.longLived === true,
    ].join('|');
    let g = this.groups.get(key);
    if (!g) {
      g = new UpdateGroup(key, target, asn4, this.loc, this.exportStore, this.importStore, (grp, slot) => this.desired(grp, slot), addPathSend, extendedMessage, this.clock, sel, (grp, slot, ids, sets, srcs) => this.desiredPaths(grp, slot, ids, sets, srcs));
      g.onUnsendable = this.onUnsendable;
      this.groups.set(key, g);
      this.groupList = [...this.groups.values()];
      this.walkInto(g);
    }
    if (sentBefore) g.moveIn(member, sentBefore, peer.source);
    else g.join(member, peer.source);
    peer.members.push({ group: g, member });
    return g;
  }

  /**
   * A peer's export settings changed: what its groups announced to it, per family, with each slot
   * held until the new groups have decided (pass each list to joinGroup as `sentBefore`).
   */
  sentTo(peer: RibPeer): Map<Family, number[]> {
    const out = new Map<Family, number[]>();
    for (const { group, member } of peer.members) {
      const slots = group.slotsSentTo(member);
      for (const s of slots) this.loc.hold(group.family, s);
      out.set(group.family, [...(out.get(group.family) ?? []), ...slots]);
    }
    return out;
  }

  /** This router's cluster ID changed (it became, or stopped being, a reflector): the owner re-exports every session. */
  setClusterId(id: number | null): void {
    this.options.clusterId = id;
  }

  /**
   * Where `source`'s routes may go changed (its client status): every group decides again for the
   * prefixes it has a path for, a chunk per turn.
   */
  reexportFrom(source: RouteSource): void {
    walkChunked(this.clock, {
      parts: 2,
      chunk: CHUNK,
      limit: (fam) => this.loc.tables[fam as Family].highWater,
      visit: (part, slot) => {
        const fam = part as Family;
        if (!this.loc.tables[fam].inUse(slot) || this.loc.pathsFrom(fam, slot, source.id) === 0) return;
        for (const g of this.groups.values()) if (g.family === fam) g.touch(slot);
      },
    });
  }

  /** Release a slot held through sentTo() that no group took over. */
  unholdSlot(family: Family, slot: number): void {
    this.loc.unhold(family, slot);
  }

  /** Mark every routed slot of the group's family dirty, chunked. */
  private walkInto(g: UpdateGroup): void {
    g.walking = true;
    const fam = g.family;
    walkChunked(this.clock, {
      parts: 1,
      chunk: CHUNK * 5,
      limit: () => this.loc.tables[fam].highWater,
      visit: (_p, slot) => {
        if (this.loc.tables[fam].inUse(slot) && (this.loc.best[fam][slot] as number) >= 0) g.touch(slot);
      },
      done: () => g.walked(),
    });
  }

  /** What group `g` should announce for `slot` now, as an Adj-RIB-Out code (update-group.ts Desired). */
  private desired(g: UpdateGroup, slot: number): number {
    const fam = g.family;
    const best = this.loc.best[fam][slot] as number;
    if (best < 0) return 0;
    const source = this.sources[this.loc.paths.source[best] as number];
    if (!source || !exportable(source, g.target) || source === g.target.exclude) return 0;
    const from = this.importStore.get(this.loc.paths.attr[best] as number);
    // RFC 9494: a long-lived stale route goes only to peers that know what LLGR_STALE means.
    if (from.llgrStale && !g.target.longLived) return 0;
    return this.exportCode(g, slot, source, from, true);
  }

  private readonly dpPath: number[] = [];
  private readonly dpSource: RouteSource[] = [];
  private readonly dpAttrs: AttrSet[] = [];
  private readonly dpCost: number[] = [];
  private readonly dpOut: AttrSet[] = [];
  private readonly dpPick: number[] = [];

  /**
   * ADD-PATH send of more than the best path: the paths of `slot` group `g` announces (the eligible
   * ones its export rules and policy let through, chosen by its selection, best first), as path
   * ids (the path's pool index + 1: stable while the path lives), export sets and source ids.
   */
  private desiredPaths(g: UpdateGroup, slot: number, ids: number[], sets: AttrSet[], srcs: number[]): number {
    const fam = g.family;
    if ((this.loc.best[fam][slot] as number) < 0) return 0;
    const pool = this.loc.paths;
    let n = 0;
    for (let p = this.loc.head[fam][slot] as number; p >= 0; p = pool.next[p] as number) {
      const source = this.sources[pool.source[p] as number];
      if (!source || !exportable(source, g.target) || source === g.target.exclude) continue;
      const from = this.importStore.get(pool.attr[p] as number);
      if (from.llgrStale && !g.target.longLived) continue;
      const cost = this.loc.nextHopCost(from, source.kind === 'local');
      if (cost === UNREACHABLE) continue;
      const code = this.exportCode(g, slot, source, from, false);
      if (code === 0) continue;
      const out = this.exportStore.get(code - 1);
      this.dpPath[n] = p;
      this.dpSource[n] = source;
      this.dpAttrs[n] = from;
      this.dpCost[n] = cost;
      this.dpOut[n] = out;
      n++;
    }
    const k = selectPaths(g.selection, n, this.dpSource, this.dpAttrs, this.dpCost, this.loc.options, this.dpPick);
    for (let i = 0; i < k; i++) {
      const j = this.dpPick[i] as number;
      ids[i] = (this.dpPath[j] as number) + 1;
      sets[i] = this.dpOut[j] as AttrSet;
      srcs[i] = (this.dpSource[j] as RouteSource).id;
    }
    return k;
  }

  /** One Path filled per export (exportSet reads it and keeps nothing of it): no object per new export set. */
  private scratchPath: Path | null = null;

  private exportPath(source: RouteSource, from: AttrSet): Path {
    const p = this.scratchPath;
    if (!p) return (this.scratchPath = { source, attrs: from, igpCost: 0 });
    p.source = source;
    p.attrs = from;
    return p;
  }

  /**
   * The export of a path (received set `from` of `source`) for group `g` as an Adj-RIB-Out code:
   * an export set's id + 1, a pass-through code when `passThrough` allows one and nothing changes
   * the attributes beyond the export rules, or 0 when the group's policy rejects the path.
   */
  private exportCode(g: UpdateGroup, slot: number, source: RouteSource, from: AttrSet, passThrough: boolean): number {
    const fam = g.family;
    const policy = g.target.policy;
    if (policy) {
      const t = this.loc.tables[fam];
      // As on import, one query object filled per prefix (this runs per prefix and group).
      const q = this.exportQuery;
      q.family = fam;
      q.v4 = fam === Family.IPV4_UNICAST ? (t.v4[slot] as number) : 0;
      q.bytes = t.v6;
      q.at = slot * 16;
      q.length = t.lengths[slot] as number;
      q.source = source;
      q.attrs = from;
      const r = policy.evaluate(q);
      if (!r.accept) return 0;
      if (r.changes) {
        const hit = g.policyCache.get(r);
        if (hit && hit.refs > 0) return hit.id + 1;
        const out = exportSet(this.exportPath(source, from), g.target, this.exportStore, r.actions);
        g.policyCache.set(r, out);
        return out.id + 1;
      }
    }
    if (passThrough) {
      const code = g.passThroughCode(from, source);
      if (code !== 0) return code;
    }
    const hit = g.cachedExport(from, source);
    if (hit) return hit.id + 1;
    const out = exportSet(this.exportPath(source, from), g.target, this.exportStore);
    g.cacheExport(from, source, out);
    return out.id + 1;
  }

  /** Install the next-hop resolver (the kernel sync's); every prefix is decided again as it changes. */
  setResolver(r: NextHopResolver): void {
    this.loc.resolver = r;
  }

  /** The best-path rules in force. */
  get decisionOptions(): DecisionOptions {
    return this.loc.options;
  }

  /** New best-path rules (config `bestPath`): every prefix is decided again. */
  setDecisionOptions(o: DecisionOptions): void {
    this.loc.options = { ...o };
    this.redecideAll();
  }

  /** The prefix of a slot as text ("192.0.2.0/24"), for logs and show output. */
  prefixText(family: Family, slot: number): string {
    return this.reader.prefixText(family, slot);
  }

  /** Drop groups nobody belongs to any more. */
  pruneGroups(): void {
    for (const [k, g] of this.groups) {
      if (g.size === 0 && !g.walking) {
        g.dispose();
        this.groups.delete(k);
        this.groupList = [...this.groups.values()];
      }
    }
  }
}

/** The last source serial given out. */
let sourceSerials = 0;

const LOCAL_ATTRS: PathAttribute[] = [
  { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
  { kind: 'as-path', type: 2, flags: 0x40, segments: [] },
];
const LOCAL_KEY = canonicalKey(KeyFormat.LOCAL, LOCAL_ATTRS, NO_NEXT_HOP);
