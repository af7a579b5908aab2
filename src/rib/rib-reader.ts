/**
 * What the rest of wren reads of the RIB: prefixes (slots), their candidate paths, the best path
 * and its multipath set, a neighbour's routes, counts, and change events. Paths are handles (the
 * number of a path row) read through this class, so a reader never sees the typed-array columns
 * and a walk over a million routes allocates nothing per route. The columns may change shape
 * behind it (issue 18); the readers outside src/rib (fib, control, daemon) use only this.
 */
import { Family } from '../wire/constants.js';
import { ipv4ToString, ipv6ToString } from '../wire/address.js';
import { samePrefix, type Prefix } from '../wire/nlri.js';
import { sharesMultipath, type Path } from './decision.js';
import { exportable } from './export-rules.js';
import { UNREACHABLE } from './nexthop.js';
import type { AttrSet } from './attr-set.js';
import type { AttrStore } from './attr-store.js';
import type { LocRib } from './loc-rib.js';
import type { RouteSource } from './route-source.js';
import type { ReceivedRoute } from './adj-rib-in.js';
import type { UpdateGroup } from './update-group.js';
import type { PolicyInput } from '../policy/policy.js';

/** A path handle: valid until the path is withdrawn; -1 is "none". */
export type PathRef = number;
/** A prefix handle within its family's table: valid while the prefix has paths or holders. */
export type SlotRef = number;

export type SlotListener = (family: Family, slot: SlotRef) => void;

export interface UpdateGroupInfo {
  key: string;
  family: Family;
  kind: string;
  size: number;
  members: string[];
}

export interface RibStats {
  prefixes: number;
  paths: number;
  importAttributeSets: number;
  /** The export store's sets and the groups' pass-through exports (pass-through.ts). */
  exportAttributeSets: number;
  updateGroups: number;
  groupMembers: number;
  tableSlots: { ipv4: number; ipv6: number };
}

/** What an update group announced to one neighbour (its Adj-RIB-Out, after export policy). */
export interface AdvertisedView {
  family: Family;
  /** The neighbour is still being sent the table (a new member catching up). */
  catchingUp: boolean;
  /** The next slot at or after `from` that was announced, or -1. */
  next(from: SlotRef): SlotRef;
  /** The attributes announced for the slot (as sent: next hop, AS path after export). */
  attrs(slot: SlotRef): AttrSet | null;
}

export class RibReader {
  /** Subscribers to "the best path or the candidate set of a prefix changed". */
  readonly changeListeners: SlotListener[] = [];

  constructor(
    private readonly loc: LocRib,
    private readonly sources: readonly (RouteSource | undefined)[],
    private readonly store: AttrStore,
    private readonly exportStore: AttrStore,
    private readonly groups: ReadonlyMap<string, UpdateGroup>,
  ) {}

  // ---- prefixes ----

  /** One past the highest slot of a family: walk slots below it, skipping those !isPrefix. */
  slotLimit(family: Family): number {
    return this.loc.tables[family].highWater;
  }

  /** The slot holds a prefix (it may have no path left while an update group still withdraws it). */
  isPrefix(family: Family, slot: SlotRef): boolean {
    return this.loc.tables[family].inUse(slot);
  }

  /** The slot has at least one candidate path. */
  hasPaths(family: Family, slot: SlotRef): boolean {
    return this.loc.tables[family].inUse(slot) && (this.loc.head[family][slot] as number) >= 0;
  }

  /** The slot of a prefix, or -1. */
  find(p: Prefix): SlotRef {
    return this.loc.tables[p.family].findPrefix(p);
  }

  /** The slot of a prefix given as address bytes (4 or 16) and length, or -1. */
  findBytes(family: Family, address: Uint8Array, length: number): SlotRef {
    const t = this.loc.tables[family];
    if (family === Family.IPV4_UNICAST) return t.find4(((address[0] as number) << 24 | (address[1] as number) << 16 | (address[2] as number) << 8 | (address[3] as number)) >>> 0, length);
    return t.find6(address, 0, length);
  }

  /** The most specific prefix with a best path that holds `address` (4 or 16 bytes), or -1. */
  longestMatch(family: Family, address: Uint8Array): SlotRef {
    const t = this.loc.tables[family];
    if (family === Family.IPV4_UNICAST) {
      const a = ((address[0] as number) << 24 | (address[1] as number) << 16 | (address[2] as number) << 8 | (address[3] as number)) >>> 0;
      for (let len = 32; len >= 0; len--) {
        const s = t.find4(len === 0 ? 0 : (a & (0xffffffff << (32 - len))) >>> 0, len);
        if (s >= 0 && this.best(family, s) >= 0) return s;
      }
      return -1;
    }
    for (let len = 128; len >= 0; len--) {
      const s = t.find6(address, 0, len);
      if (s >= 0 && this.best(family, s) >= 0) return s;
    }
    return -1;
  }

  /** The slot's prefix lies within `bytes`/`length` (it is that prefix or a more specific one). */
  within(family: Family, slot: SlotRef, bytes: Uint8Array, length: number): boolean {
    const t = this.loc.tables[family];
    if ((t.lengths[slot] as number) < length) return false;
    if (family === Family.IPV4_UNICAST) {
      const a = ((bytes[0] as number) << 24 | (bytes[1] as number) << 16 | (bytes[2] as number) << 8 | (bytes[3] as number)) >>> 0;
      const m = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
      return (((t.v4[slot] as number) & m) >>> 0) === ((a & m) >>> 0);
    }
    return samePrefix(t.v6, slot * 16, bytes, 0, length);
  }

  prefixLength(family: Family, slot: SlotRef): number {
    return this.loc.tables[family].lengths[slot] as number;
  }

  /** The IPv4 address of a slot as a 32-bit number (IPv4 only). */
  address4(slot: SlotRef): number {
    return this.loc.tables[Family.IPV4_UNICAST].v4[slot] as number;
  }

  /** Write the address of a slot (4 or 16 bytes) into `out` at `at`. */
  writeAddress(family: Family, slot: SlotRef, out: Uint8Array, at = 0): void {
    const t = this.loc.tables[family];
    if (family === Family.IPV4_UNICAST) {
      const v = t.v4[slot] as number;
      out[at] = v >>> 24;
      out[at + 1] = (v >>> 16) & 0xff;
      out[at + 2] = (v >>> 8) & 0xff;
      out[at + 3] = v & 0xff;
    } else {
      out.set(t.v6.subarray(slot * 16, slot * 16 + 16), at);
    }
  }

  /** The prefix of a slot as text ("192.0.2.0/24"), for logs and show output. */
  prefixText(family: Family, slot: SlotRef): string {
    const t = this.loc.tables[family];
    if (family === Family.IPV4_UNICAST) return `${ipv4ToString(t.v4[slot] as number)}/${t.lengths[slot]}`;
    return `${ipv6ToString(t.v6.subarray(slot * 16, slot * 16 + 16))}/${t.lengths[slot]}`;
  }

  // ---- paths ----

  /** The best path of a slot, or -1 (none, or no such slot). */
  best(family: Family, slot: SlotRef): PathRef {
    return slot < 0 ? -1 : (this.loc.best[family][slot] as number);
  }

  /** The first path of a slot's chain (then nextPath until -1). */
  firstPath(family: Family, slot: SlotRef): PathRef {
    return slot < 0 ? -1 : (this.loc.head[family][slot] as number);
  }

  nextPath(p: PathRef): PathRef {
    return this.loc.paths.next[p] as number;
  }

  source(p: PathRef): RouteSource {
    return this.sources[this.loc.paths.source[p] as number] as RouteSource;
  }

  /** The attribute set of a path (as imported: after import policy). */
  attrs(p: PathRef): AttrSet {
    return this.store.get(this.loc.paths.attr[p] as number);
  }

  /** The interned id of a path's attribute set: equal ids, equal sets (for per-set caches). */
  attrsId(p: PathRef): number {
    return this.loc.paths.attr[p] as number;
  }

  pathId(p: PathRef): number {
    return this.loc.paths.idOf(p);
  }

  /** The cost to the path's next hop, or UNREACHABLE (such a path is not a candidate). */
  igpCost(p: PathRef): number {
    const s = this.source(p);
    return this.loc.nextHopCost(this.attrs(p), s.kind === 'local');
  }

  reachable(p: PathRef): boolean {
    return this.igpCost(p) !== UNREACHABLE;
  }

  /** A path as the decision module takes it (allocates: for explain and tests, not walks). */
  pathView(p: PathRef): Path {
    const source = this.source(p);
    const attrs = this.attrs(p);
    return { source, attrs, igpCost: this.loc.nextHopCost(attrs, source.kind === 'local') };
  }

  /** Paths at a slot, counted. */
  pathCount(family: Family, slot: SlotRef): number {
    let n = 0;
    for (let p = this.firstPath(family, slot); p >= 0; p = this.nextPath(p)) n++;
    return n;
  }

  /**
   * The multipath (ECMP) set of a slot, best first, at most `max` paths, into `out` (reused by the
   * caller: no allocation per route); returns how many. Uses the decision module's rule
   * (sharesMultipath) with the RIB's own best-path options.
   */
  multipath(family: Family, slot: SlotRef, max: number, out: PathRef[]): number {
    const best = this.best(family, slot);
    if (best < 0 || max < 1) return 0;
    out[0] = best;
    let n = 1;
    if (max === 1) return n;
    const bs = this.source(best);
    const ba = this.attrs(best);
    const bc = this.loc.nextHopCost(ba, bs.kind === 'local');
    for (let p = this.firstPath(family, slot); p >= 0 && n < max; p = this.nextPath(p)) {
      if (p === best) continue;
      const s = this.source(p);
      const a = this.attrs(p);
      const c = this.loc.nextHopCost(a, s.kind === 'local');
      if (c === UNREACHABLE) continue;
      if (sharesMultipath(bs, ba, bc, s, a, c, this.loc.options)) out[n++] = p;
    }
    return n;
  }

  /** The path `source` has at a slot (with `pathId` under ADD-PATH), or -1. */
  pathFrom(family: Family, slot: SlotRef, source: RouteSource, pathId = 0): PathRef {
    return this.loc.pathOf(family, slot, source.id, pathId);
  }

  /** Every route source that exists now: this router's own and each neighbour's session. */
  routeSources(): RouteSource[] {
    const out: RouteSource[] = [];
    for (const s of this.sources) if (s) out.push(s);
    return out;
  }

  /** The route source of a neighbour address (the current session's), or undefined. */
  sourceOf(address: string): RouteSource | undefined {
    for (const s of this.sources) if (s && s.kind !== 'local' && s.address === address) return s;
    return undefined;
  }

  /**
   * A neighbour's routes: the first slot at or after `from` where `source` has a path, or -1.
   * Walk with `for (s = next(f, src, 0); s >= 0; s = next(f, src, s + 1))`; nothing is allocated,
   * and the caller may yield between steps.
   */
  nextRouteFrom(family: Family, source: RouteSource, from: SlotRef): SlotRef {
    const limit = this.slotLimit(family);
    for (let s = Math.max(0, from); s < limit; s++) if (this.isPrefix(family, s) && this.loc.pathsFrom(family, s, source.id) > 0) return s;
    return -1;
  }

  /** Policy input for a path at a slot (`attrs` to evaluate a set other than the path's own). */
  policyInput(family: Family, slot: SlotRef, source: RouteSource, attrs: AttrSet): PolicyInput {
    const t = this.loc.tables[family];
    return { family, v4: family === Family.IPV4_UNICAST ? (t.v4[slot] as number) : 0, bytes: t.v6, at: slot * 16, length: t.lengths[slot] as number, source, attrs };
  }

  // ---- export side ----

  /** For explain: each update group's verdict on a path at a slot (split horizon, policy terms). */
  exportVerdicts(family: Family, slot: SlotRef, p: PathRef): { peers: string[]; verdict: string }[] {
    const out: { peers: string[]; verdict: string }[] = [];
    const source = this.source(p);
    const attrs = this.attrs(p);
    for (const g of this.groups.values()) {
      if (g.family !== family || g.size === 0) continue;
      let verdict: string;
      if (!exportable(source, g.target)) verdict = 'not exported (iBGP split horizon)';
      else if (source === g.target.exclude) verdict = 'not sent back to the peer it came from';
      else if (g.target.policy) verdict = g.target.policy.evaluate(this.policyInput(family, slot, source, attrs)).trail.join(', ');
      else verdict = 'exported (no policy)';
      out.push({ peers: g.memberNames, verdict });
    }
    return out;
  }

  /**
   * What a neighbour sent, before import policy: null when it has no session; `kept` false when
   * its routes are not kept (keepReceived is off).
   */
  receivedFrom(address: string): { source: RouteSource; kept: boolean; routes(family: Family): Iterable<ReceivedRoute>; find(p: Prefix): ReceivedRoute[]; prefixText(r: ReceivedRoute): string; policyInput(r: ReceivedRoute): PolicyInput } | null {
    const source = this.sourceOf(address);
    if (!source) return null;
    const adj = source.adjIn;
    return {
      source,
      kept: adj !== undefined,
      routes: (family) => (adj ? adj.of(family) : []),
      find: (p) => (adj ? adj.find(p.family, p.family === Family.IPV4_UNICAST ? p.bytes.readUInt32BE(0) : 0, p.bytes, p.length) : []),
      prefixText: (r) => `${r.family === Family.IPV4_UNICAST ? ipv4ToString(r.v4) : ipv6ToString(r.bytes)}/${r.length}`,
      policyInput: (r) => ({ family: r.family, v4: r.v4, bytes: r.bytes, at: 0, length: r.length, source, attrs: r.set }),
    };
  }

  /** What each of a neighbour's update groups announced to it, one view per family. */
  advertisedTo(address: string): AdvertisedView[] {
    const out: AdvertisedView[] = [];
    for (const g of this.groups.values()) {
      const state = g.memberState(address);
      if (!state) continue;
      const limit = () => this.loc.tables[g.family].highWater;
      out.push({
        family: g.family,
        catchingUp: state === 'catching-up',
        next: (from) => {
          for (let s = from; s < limit(); s++) if (g.announces(s)) return s;
          return -1;
        },
        attrs: (slot) => g.announcedSet(slot),
      });
    }
    return out;
  }

  updateGroups(): UpdateGroupInfo[] {
    return [...this.groups.values()].map((g) => ({ key: g.key, family: g.family, kind: g.target.kind, size: g.size, members: g.memberNames }));
  }

  // ---- counts ----

  /** Prefixes with a best path, both families. */
  get routes(): number {
    return this.loc.routes;
  }

  /** Prefixes of one family with a best path (a walk: for metrics scrapes, not hot paths). */
  routesOf(family: Family): number {
    const t = this.loc.tables[family];
    const best = this.loc.best[family];
    let n = 0;
    for (let s = 0; s < t.highWater; s++) if (t.inUse(s) && (best[s] as number) >= 0) n++;
    return n;
  }

  get paths(): number {
    return this.loc.paths.size;
  }

  stats(): RibStats {
    let members = 0;
    for (const g of this.groups.values()) members += g.size;
    return {
      prefixes: this.loc.routes,
      paths: this.loc.paths.size,
      importAttributeSets: this.store.size,
      exportAttributeSets: this.exportStore.size + [...this.groups.values()].reduce((n, g) => n + g.passThroughSets, 0),
      updateGroups: this.groups.size,
      groupMembers: members,
      tableSlots: { ipv4: this.slotLimit(Family.IPV4_UNICAST), ipv6: this.slotLimit(Family.IPV6_UNICAST) },
    };
  }

  // ---- subscriptions ----

  /** Call `fn(family, slot)` when the best path or the candidates of a prefix change; returns the unsubscribe. */
  onChange(fn: SlotListener): () => void {
    this.changeListeners.push(fn);
    return () => {
      const i = this.changeListeners.indexOf(fn);
      if (i >= 0) this.changeListeners.splice(i, 1);
    };
  }

  /** Call `fn(capacity)` when a family's slot space grows (owners of per-slot arrays grow theirs). */
  onGrow(family: Family, fn: (capacity: number) => void): void {
    this.loc.tables[family].growListeners.push(fn);
  }
}
