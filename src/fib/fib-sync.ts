/**
 * Loc-RIB -> kernel. Every best-path change marks the prefix's slot dirty; a flush computes the
 * route the kernel should hold (ECMP next hops, tunnel rules), compares it with what was
 * installed (one interned next-hop-set id per slot) and sends only the difference, in pipelined
 * netlink batches with every ACK checked. At start the kernel's wren routes are adopted, not
 * flushed: they are replaced as routes arrive and the rest is pruned only after convergence.
 * A periodic scan repairs drift (a wren route deleted or changed by someone else is put back).
 */
import type { Logger } from 'pino';
import { Family } from '../wire/constants.js';
import { AF_INET, AF_INET6, RTN_BLACKHOLE, RTN_UNICAST, RT_SCOPE_UNIVERSE, type KernelRoute, type NextHop } from './netlink/rtnl-codec.js';
import { parsePrefix, samePrefix, type Prefix } from '../wire/nlri.js';
import { isDeepStrictEqual } from 'node:util';
import { addressToString, parseAddress, primaryNextHop, isLinkLocal } from '../wire/address.js';
import type { PolicyChain, PolicyResult } from '../policy/policy.js';
import { grownInt32 } from '../rib/columns.js';
import { DirtySet } from '../rib/dirty-set.js';
import type { RibReader, PathRef } from '../rib/rib-reader.js';
import type { RouteSource } from '../rib/route-source.js';
import type { KernelPort, RouteOp } from './kernel-port.js';
import type { FibConfig } from '../config/fib-config.js';
import type { ConnectedNetworks } from './connected.js';
import { every, nextTurn, realClock, type Clock } from '../time/clock.js';

/** Route changes per netlink round (bounds the ops array; the pipeline drains between rounds). */
const PER_FLUSH = 50_000;
/** Rounds with at least this many changes pause route notifications. */
const BULK = 100;
/** Refused installs remembered for a retry at the next scan, at most. */
const MAX_RETRIES_QUEUED = 100_000;
/** Routes checked per event-loop turn during a scan. */
const SCAN_CHUNK = 20_000;
/** Paths asked of the RIB's multipath set (gateways are then de-duplicated and capped at ecmp.maxPaths). */
const MAX_MULTIPATH = 256;

/** A next-hop set as the kernel sees it; interned so a slot holds its id. */
interface NhSet {
  id: number;
  key: string;
  nexthops: NextHop[];
  /** The route's metric (kernel priority): the configured one, or what a FIB policy set. */
  metric: number;
  /** A blackhole route (no next hops): one of our own announcements listed in fib.blackhole. */
  blackhole: boolean;
}

export function routeKey(family: number, dst: Buffer, dstLen: number): string {
  return `${family}|${dst.subarray(0, family === AF_INET ? 4 : 16).toString('hex')}|${dstLen}`;
}

/** Prefixes from config text, by the key their kernel route and slot have. */
function keyedPrefixes(list: readonly string[]): Map<string, Prefix> {
  const out = new Map<string, Prefix>();
  for (const text of list) {
    const p = parsePrefix(text);
    if (p) out.set(routeKey(p.family === Family.IPV4_UNICAST ? AF_INET : AF_INET6, p.bytes, p.length), p);
  }
  return out;
}

/** A kernel route for the log: `198.51.100.7/32 via 192.0.2.1`. */
function describe(r: KernelRoute): string {
  const gw = r.nexthops[0]?.gateway;
  return `${addressToString(r.dst)}/${r.dstLen}${gw && gw.length ? ` via ${addressToString(gw)}` : ''}`;
}

function familyOfRoute(r: KernelRoute): Family {
  return r.family === AF_INET ? Family.IPV4_UNICAST : Family.IPV6_UNICAST;
}

export interface FibDiffRow {
  kind: 'missing' | 'extra' | 'different';
  prefix: string;
  kernel: string;
  rib: string;
}

export interface FibDiff {
  /** wren routes in the kernel table, and routes the RIB wants there. */
  kernel: number;
  wanted: number;
  missing: number;
  extra: number;
  different: number;
  /** The first rows of each kind (bounded). */
  rows: FibDiffRow[];
}

export class FibSync {
  private readonly sets: NhSet[] = [];
  private readonly setsByKey = new Map<string, NhSet>();
  /** Installed next-hop set id + 1 per slot, per family. */
  private readonly installed: [Int32Array, Int32Array] = [new Int32Array(1024), new Int32Array(1024)];
  /** Slots whose kernel route must be decided again, per family. */
  private readonly dirty: [DirtySet, DirtySet] = [new DirtySet(), new DirtySet()];
  /** wren routes found in the kernel at start, not yet claimed by the RIB. */
  private adopted = new Map<string, KernelRoute>();
  private flushing = false;
  private stopped = false;
  private scanning = false;
  private readonly strays: KernelRoute[] = [];
  private scheduled = false;
  private stopScans: (() => void) | null = null;
  readonly counters = { installs: 0, deletes: 0, errors: 0, adopted: 0, pruned: 0, repaired: 0, retried: 0 };
  /** Routes the kernel refused to install: each scan tries them again (a gateway may be reachable now). */
  private readonly failed: [Family, number][] = [];
  private tunnelIndex = 0;
  /** Prefixes never installed, as slot keys. */
  private readonly excluded = new Set<string>();
  /** fib.excludeWithin: routes inside these prefixes are left to another agent. */
  private within: Prefix[] = [];
  /** Our own announcements installed as blackhole routes, by slot key. */
  private blackholes: Map<string, Prefix>;
  /** fib.staticRoutes as kernel routes, by route key: installed as they are, never announced. */
  private statics = new Map<string, KernelRoute>();
  /** The on-link gateway for a next hop off every connected subnet (recursive resolution), if any. */
  gatewayFor: (nh: Buffer) => Buffer | null = () => null;
  /** Next-hop sets made through recursive resolution: a topology change must decide every route again. */
  private recursiveSets = 0;
  /** Single-next-hop sets by received attribute set id. */
  private readonly single: NhSet[] = [];
  /** The multipath set of the slot being decided (reused). */
  private readonly multipathScratch: PathRef[] = [];
  private readonly keyScratch = Buffer.alloc(16);
  /** Called after a bulk round, while route notifications were paused (the owner rescans). */
  onBulkDone: () => void = () => undefined;

  constructor(
    private readonly config: FibConfig,
    private readonly rib: RibReader,
    private readonly kernel: KernelPort,
    private readonly connected: ConnectedNetworks,
    private readonly log: Logger,
    /** The FIB policy: what is installed, with which metric, tunnel and ECMP. */
    private readonly policy: PolicyChain | null = null,
    private readonly clock: Clock = realClock,
  ) {
    for (const k of keyedPrefixes(config.exclude).keys()) this.excluded.add(k);
    this.within = [...keyedPrefixes(config.excludeWithin).values()];
    this.blackholes = keyedPrefixes(config.blackhole);
    for (const r of this.staticRoutesOf(config.staticRoutes)) this.statics.set(routeKey(r.family, r.dst, r.dstLen), r);
    for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
      rib.onGrow(f, (cap) => {
        this.installed[f] = grownInt32(this.installed[f], cap);
        this.dirty[f].grow(cap);
      });
    }
  }

  /** Adopt what is already in the kernel, then follow the RIB. */
  async start(): Promise<void> {
    for (const r of await this.kernel.dumpRoutesOf(this.config.protocol, this.config.table)) {
      this.adopted.set(routeKey(r.family, r.dst, r.dstLen), r);
    }
    this.counters.adopted = this.adopted.size;
    this.log.info({ adopted: this.adopted.size, table: this.config.table, protocol: this.config.protocol }, 'kernel routes adopted');
    this.refreshTunnel();
    await this.installStatics([...this.statics.values()]);
    this.stopScans = every(this.clock, this.config.scanInterval * 1000, () => void this.scan());
    // Routes the RIB already holds.
    for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
      for (let s = 0, n = this.rib.slotLimit(f); s < n; s++) if (this.rib.isPrefix(f, s)) this.touch(f, s);
    }
  }

  /** A new blackhole list (a reload): the prefixes that joined or left it are decided again. */
  setBlackholes(prefixes: readonly string[]): void {
    const before = this.blackholes;
    this.blackholes = keyedPrefixes(prefixes);
    const changed = [...[...this.blackholes].filter(([k]) => !before.has(k)), ...[...before].filter(([k]) => !this.blackholes.has(k))];
    for (const [, p] of changed) {
      const slot = this.rib.find(p);
      if (slot >= 0) this.touch(p.family, slot);
    }
  }

  /** Static routes as kernel routes (fib.staticRoutes; checked by the config loader). */
  staticRoutesOf(list: readonly { prefix: string; via: string }[]): KernelRoute[] {
    const out: KernelRoute[] = [];
    for (const r of list) {
      const p = parsePrefix(r.prefix);
      const via = parseAddress(r.via);
      if (!p || !via) continue;
      const v4 = p.family === Family.IPV4_UNICAST;
      out.push({
        family: v4 ? AF_INET : AF_INET6, dst: Buffer.from(p.bytes.subarray(0, v4 ? 4 : 16)), dstLen: p.length, table: this.config.table, protocol: this.config.protocol,
        type: RTN_UNICAST, scope: RT_SCOPE_UNIVERSE, priority: this.config.metric, nexthops: [{ gateway: via, oif: 0, onlink: false, weight: 1 }],
      });
    }
    return out;
  }

  /**
   * A new static route list (start or reload). Routes that left it are deleted and their prefix is
   * decided again from the RIB; new or changed ones are installed in place of whatever the RIB had
   * there (a static route wins over BGP, as BIRD's static protocol's preference does).
   */
  async setStaticRoutes(routes: KernelRoute[]): Promise<void> {
    const before = this.statics;
    this.statics = new Map(routes.map((r) => [routeKey(r.family, r.dst, r.dstLen), r]));
    if (this.stopped) return;
    const gone = [...before].filter(([k]) => !this.statics.has(k)).map(([, r]) => r);
    if (gone.length) {
      const res = await this.kernel.apply(gone.map((route) => ({ op: 'delete', route })));
      res.forEach((errno, i) => {
        if (errno !== 0 && errno !== -3) this.log.warn({ route: describe(gone[i] as KernelRoute), errno: -errno }, 'kernel refused to delete a static route');
      });
      for (const r of gone) {
        const f = familyOfRoute(r);
        const slot = this.rib.findBytes(f, r.dst, r.dstLen);
        if (slot >= 0) this.touch(f, slot);
      }
    }
    const changed = [...this.statics].filter(([k, r]) => !isDeepStrictEqual(before.get(k), r)).map(([, r]) => r);
    await this.installStatics(changed);
  }

  /** Install static routes (replace), taking their prefixes from the RIB's routes and from adoption. */
  private async installStatics(routes: KernelRoute[]): Promise<void> {
    if (routes.length === 0 || this.stopped) return;
    for (const r of routes) {
      this.adopted.delete(routeKey(r.family, r.dst, r.dstLen));
      const f = familyOfRoute(r);
      const slot = this.rib.findBytes(f, r.dst, r.dstLen);
      if (slot >= 0 && slot < this.installed[f].length) this.installed[f][slot] = 0;
    }
    const res = await this.kernel.apply(routes.map((route) => ({ op: 'replace', route })));
    res.forEach((errno, i) => {
      if (errno === 0) return;
      this.counters.errors++;
      this.log.warn({ route: describe(routes[i] as KernelRoute), errno: -errno }, 'kernel refused a static route (tried again at the next scan)');
    });
  }

  /** Is the slot's prefix inside one of fib.excludeWithin? */
  private isWithin(family: Family, slot: number): boolean {
    const len = this.rib.prefixLength(family, slot);
    this.rib.writeAddress(family, slot, this.keyScratch);
    for (const p of this.within) {
      if (p.family === family && p.length <= len && samePrefix(this.keyScratch, 0, p.bytes, 0, p.length)) return true;
    }
    return false;
  }

  /** A new fib.excludeWithin (a reload): every route is decided again. */
  setExcludeWithin(list: readonly string[]): void {
    this.within = [...keyedPrefixes(list).values()];
    for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
      for (let s = 0, n = this.rib.slotLimit(f); s < n; s++) if (this.rib.isPrefix(f, s) || (this.installed[f][s] ?? 0) !== 0) this.touch(f, s);
    }
  }

  /** A static route holds this kernel route key. */
  private isStatic(key: string): boolean {
    return this.statics.size > 0 && this.statics.has(key);
  }

  refreshTunnel(): void {
    this.tunnelIndex = this.config.tunnel ? this.connected.indexOf(this.config.tunnel.interface) : 0;
    this.single.length = 0;
  }

  /** Interfaces or addresses changed: tunnel decisions may differ, so forget cached next hops. */
  connectedChanged(): void {
    this.single.length = 0;
  }

  /**
   * Kernel routes changed (the resolver's answers may differ): routes installed through a
   * recursively resolved gateway are decided again. Without any, nothing is walked.
   */
  resolutionChanged(): void {
    if (this.recursiveSets === 0) return;
    this.single.length = 0;
    for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
      const inst = this.installed[f];
      for (let s = 0; s < inst.length; s++) if (inst[s] !== 0) this.touch(f, s);
    }
  }

  /** The best path of a slot changed. */
  touch(family: Family, slot: number): void {
    if (this.stopped || !this.dirty[family].mark(slot)) return;
    this.schedule();
  }

  /** Runs per touched prefix: the callback is made once (see UpdateGroup.schedule). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.clock.defer(this.runFlush);
  }

  private readonly runFlush = (): void => {
    this.scheduled = false;
    void this.flush();
  };

  /**
   * The interned set for `nexthops`. The interface only counts for onlink (tunnel) next hops:
   * for the others we let the kernel pick it, and it reports the one it picked.
   */
  private intern(nexthops: NextHop[], metric: number = this.config.metric, blackhole = false): NhSet {
    // The interface counts for onlink (tunnel) next hops and link-local ones (meaningful on one link only).
    const key = blackhole ? `blackhole#${metric}` : nexthops.map((n) => `${n.gateway.toString('hex')}/${n.onlink || isLinkLocal(n.gateway) ? n.oif : 0}/${n.onlink ? 1 : 0}`).sort().join(',') + `#${metric}`;
    let s = this.setsByKey.get(key);
    if (!s) {
      s = { id: this.sets.length, key, nexthops: blackhole ? [] : nexthops, metric, blackhole };
      this.sets.push(s);
      this.setsByKey.set(key, s);
    }
    return s;
  }

  /** The interned set of a route as the kernel holds it. */
  private installedSet(r: KernelRoute): NhSet {
    return this.intern(r.nexthops, r.priority, r.type === RTN_BLACKHOLE);
  }

  /** The next hops the kernel should use for a slot, or null when the route should not be there. */
  private desired(family: Family, slot: number): NhSet | null {
    const rib = this.rib;
    const best = rib.best(family, slot);
    if (best < 0) return null;
    if (this.excluded.size > 0 && this.excluded.has(this.slotKey(family, slot))) return null;
    if (this.within.length > 0 && this.isWithin(family, slot)) return null;
    const bs = rib.source(best);
    if (!bs) return null;
    if (bs.kind === 'local') return this.blackholes.size > 0 && this.blackholes.has(this.slotKey(family, slot)) ? this.intern([], this.config.metric, true) : null;
    const attrId = rib.attrsId(best);
    const ba = rib.attrs(best);
    let fib: PolicyResult['fib'] | null = null;
    if (this.policy) {
      const r = this.policy.evaluate(rib.policyInput(family, slot, bs, ba));
      if (!r.accept) return null;
      if (r.fib.metric !== null || r.fib.tunnel !== null || r.fib.ecmp !== null) fib = r.fib;
    }
    let gws: Buffer[] | null = null;
    let srcs: RouteSource[] | null = null;
    if (this.config.ecmp.maxPaths > 1 && fib?.ecmp !== false) {
      // The RIB's multipath set (the decision module's rule); paths with the same gateway count once.
      const n = rib.multipath(family, slot, MAX_MULTIPATH, this.multipathScratch);
      for (let i = 1; i < n; i++) {
        const p = this.multipathScratch[i] as PathRef;
        const a = rib.attrs(p);
        gws ??= [ba.nextHop];
        srcs ??= [bs];
        if (gws.length < this.config.ecmp.maxPaths && !gws.some((g) => g.equals(a.nextHop))) {
          gws.push(a.nextHop);
          srcs.push(rib.source(p) ?? bs);
        }
      }
    }
    if (fib) {
      // A FIB policy decided something for this route: no per-attribute-set shortcut.
      const metric = fib.metric === 'calico' ? 0x7fffffff - (ba.localPref >= 0 ? ba.localPref : 100) : (fib.metric ?? this.config.metric);
      return this.nexthopSet(gws ?? [ba.nextHop], srcs ?? [bs], fib.tunnel, metric);
    }
    if (!gws) {
      // One next hop: the common case, cached per attribute set (no allocation per route); not a
      // link-local one, whose interface is the session's.
      const cached = this.single[attrId];
      if (cached !== undefined && cached.nexthops[0]?.gateway.equals(primaryNextHop(ba.nextHop))) return cached;
      const set = this.nexthopSet([ba.nextHop], [bs]);
      if (set && !set.nexthops.some((n) => isLinkLocal(n.gateway))) this.single[attrId] = set;
      return set;
    }
    return this.nexthopSet(gws, srcs ?? [bs]);
  }

  /** Next hops for gateways, with the tunnel rules (or a policy's tunnel choice) applied; interned. */
  private nexthopSet(gws: Buffer[], srcs: (RouteSource | undefined)[], tunnelChoice: 'ipip' | 'none' | null = null, metric = this.config.metric): NhSet | null {
    const nexthops: NextHop[] = [];
    let recursive = false;
    for (let i = 0; i < gws.length; i++) {
      const g = gws[i] as Buffer;
      // IPv6 next hops may carry a link-local second half; the kernel route uses the global one
      // (the link-local one when the global half is unspecified).
      const gw = Buffer.from(primaryNextHop(g));
      if (gw.length === 0) continue;
      // A link-local gateway goes with the interface of the session it came over.
      if (isLinkLocal(gw)) {
        const oif = srcs[i]?.interface ? this.connected.indexOf(srcs[i]?.interface as string) : 0;
        if (oif === 0) continue;
        if (!nexthops.some((n) => n.gateway.equals(gw) && n.oif === oif)) nexthops.push({ gateway: gw, oif, onlink: false, weight: 1 });
        continue;
      }
      const connected = this.connected.isConnected(gw);
      const byMode = tunnelChoice === 'ipip' || (tunnelChoice === null && this.config.tunnel && (this.config.tunnel.mode === 'always' || !connected));
      const tunnel = byMode && this.tunnelIndex > 0 && gw.length === 4;
      // Off every connected subnet and not tunnelled: through the gateway of the route covering it.
      const via = !tunnel && !connected ? this.gatewayFor(gw) : null;
      if (via) recursive = true;
      const hop = via ? Buffer.from(via) : gw;
      if (nexthops.some((n) => n.gateway.equals(hop))) continue;
      nexthops.push({ gateway: hop, oif: tunnel ? this.tunnelIndex : 0, onlink: Boolean(tunnel), weight: 1 });
    }
    if (nexthops.length === 0) return null;
    const known = this.setsByKey.size;
    const set = this.intern(nexthops, metric);
    if (recursive && this.setsByKey.size > known) this.recursiveSets++;
    return set;
  }

  private slotKey(family: Family, slot: number): string {
    const dst = this.keyScratch;
    this.rib.writeAddress(family, slot, dst);
    return routeKey(family === Family.IPV4_UNICAST ? AF_INET : AF_INET6, dst, this.rib.prefixLength(family, slot));
  }

  private kernelRoute(family: Family, slot: number, nh: NhSet | null): KernelRoute {
    const dst = Buffer.allocUnsafe(family === Family.IPV4_UNICAST ? 4 : 16);
    this.rib.writeAddress(family, slot, dst);
    return {
      family: family === Family.IPV4_UNICAST ? AF_INET : AF_INET6,
      dst, dstLen: this.rib.prefixLength(family, slot), table: this.config.table, protocol: this.config.protocol,
      type: nh?.blackhole ? RTN_BLACKHOLE : RTN_UNICAST, scope: RT_SCOPE_UNIVERSE, priority: nh?.metric ?? this.config.metric, nexthops: nh?.nexthops ?? [],
    };
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.stopped) return;
    this.flushing = true;
    const t0 = Date.now();
    const before = this.counters.installs + this.counters.deletes;
    try {
      for (;;) {
        const ops: RouteOp[] = [];
        const marks: [Family, number, number][] = [];
        for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
          for (let slot = this.dirty[f].take(); slot >= 0 && ops.length < PER_FLUSH; slot = ops.length < PER_FLUSH ? this.dirty[f].take() : -1) {
            const want = this.desired(f, slot);
            const cur = (this.installed[f][slot] as number) - 1;
            let adopted: KernelRoute | undefined;
            if (this.adopted.size > 0) {
              const k = this.slotKey(f, slot);
              adopted = this.adopted.get(k);
              if (adopted) this.adopted.delete(k);
            }
            // A static route holds the prefix: the RIB's route for it is not installed.
            if (this.statics.size > 0 && this.isStatic(this.slotKey(f, slot))) {
              this.installed[f][slot] = 0;
              continue;
            }
            if (want && want.id === cur) continue;
            const curSet = cur >= 0 ? (this.sets[cur] as NhSet) : null;
            if (want) {
              // An adopted route with the same next hops stays as it is: no change, no flap.
              if (cur < 0 && adopted && this.installedSet(adopted).id === want.id) {
                this.installed[f][slot] = want.id + 1;
                continue;
              }
              // The metric is part of a kernel route's identity: another metric is another route.
              const stale = curSet && curSet.metric !== want.metric ? this.kernelRoute(f, slot, curSet) : adopted && adopted.priority !== want.metric ? adopted : null;
              if (stale) {
                ops.push({ op: 'delete', route: stale });
                marks.push([f, slot, 0]);
              }
              ops.push({ op: 'replace', route: this.kernelRoute(f, slot, want) });
              marks.push([f, slot, want.id + 1]);
            } else if (cur >= 0 || adopted) {
              ops.push({ op: 'delete', route: adopted ?? this.kernelRoute(f, slot, curSet) });
              marks.push([f, slot, 0]);
            }
          }
        }
        if (ops.length === 0) break;
        // A bulk change would echo back as one notification per route: pause them, and scan after.
        const bulk = ops.length >= BULK;
        if (bulk) this.kernel.setRouteEvents(false);
        let res: number[];
        try {
          res = await this.kernel.apply(ops);
        } finally {
          if (bulk) {
            this.kernel.setRouteEvents(true);
            this.onBulkDone();
          }
        }
        res.forEach((errno, i) => {
          const [f, slot, v] = marks[i] as [Family, number, number];
          const op = ops[i] as RouteOp;
          if (errno === 0 || (op.op === 'delete' && errno === -3 /* ESRCH: already gone */)) {
            this.installed[f][slot] = v;
            if (op.op === 'replace') this.counters.installs++;
            else this.counters.deletes++;
          } else {
            this.counters.errors++;
            this.installed[f][slot] = 0;
            if (op.op === 'replace' && this.failed.length < MAX_RETRIES_QUEUED) this.failed.push([f, slot]);
            if (this.counters.errors < 20 || this.counters.errors % 1000 === 0) {
              this.log.warn({ op: op.op, errno: -errno, errors: this.counters.errors }, 'kernel refused a route change');
            }
          }
        });
      }
    } finally {
      this.flushing = false;
      const changed = this.counters.installs + this.counters.deletes - before;
      if (changed >= 1000) this.log.info({ changed, ms: Date.now() - t0, installed: this.installedCount }, 'kernel FIB updated');
    }
  }

  /**
   * Delete adopted routes nobody claimed (after convergence). A route the RIB has a path for stays
   * adopted even if the flush has not reached its slot yet: End-of-RIB can be processed before
   * the FIB's queue is, and deleting such a route would take it out of the kernel for a moment.
   */
  async prune(): Promise<void> {
    const stale: KernelRoute[] = [];
    for (const [key, route] of this.adopted) {
      const f = familyOfRoute(route);
      const slot = this.rib.findBytes(f, route.dst, route.dstLen);
      if (slot >= 0 && this.desired(f, slot)) continue;
      stale.push(route);
      this.adopted.delete(key);
    }
    if (stale.length === 0) return;
    const res = await this.kernel.apply(stale.map((route) => ({ op: 'delete', route })));
    this.counters.pruned += res.filter((e) => e === 0 || e === -3).length;
    this.log.info({ pruned: this.counters.pruned }, 'stale kernel routes pruned after convergence');
  }

  /**
   * Compare the kernel with what we installed; put back what drifted. The dump is filtered to our
   * protocol and table before decoding; each route is found by its slot and its next hops are
   * compared by interned set; the work is cut into chunks so the event loop keeps turning.
   */
  async scan(): Promise<void> {
    // Not while routes are being written: a scan reads the whole table, and drift repair can wait
    // for the install to finish.
    if (this.flushing || this.scanning || this.dirty[0].size + this.dirty[1].size > 0) return;
    this.scanning = true;
    try {
      let routes: KernelRoute[];
      try {
        routes = await this.kernel.dumpRoutesOf(this.config.protocol, this.config.table);
      } catch {
        return;
      }
      const seen: [Uint8Array, Uint8Array] = [new Uint8Array(this.installed[0].length), new Uint8Array(this.installed[1].length)];
      let repaired = 0;
      const staticsSeen = new Set<string>();
      for (let i = 0; i < routes.length; i++) {
        if (i % SCAN_CHUNK === SCAN_CHUNK - 1) await nextTurn(this.clock);
        const r = routes[i] as KernelRoute;
        if (this.statics.size > 0) {
          const key = routeKey(r.family, r.dst, r.dstLen);
          const want = this.statics.get(key);
          if (want) {
            if (this.installedSet(r).id === this.installedSet(want).id) staticsSeen.add(key);
            // The RIB's route of that prefix at another metric, installed before the static one came.
            else if (r.priority !== want.priority) this.strays.push(r);
            continue;
          }
        }
        const f = familyOfRoute(r);
        const slot = this.slotOfRoute(f, r);
        const v = slot >= 0 ? (this.installed[f][slot] as number) : 0;
        if (slot >= 0 && slot < (seen[f] as Uint8Array).length) (seen[f] as Uint8Array)[slot] = 1;
        if (v === 0) {
          // Ours by protocol but not installed by this process (added by hand, or left over):
          // let the flush decide, deleting it unless the RIB wants that prefix.
          const key = routeKey(r.family, r.dst, r.dstLen);
          if (!this.adopted.has(key) && (slot < 0 || !this.dirty[f].has(slot))) {
            this.adopted.set(key, r);
            if (slot >= 0) this.touch(f, slot);
            else this.strays.push(r);
          }
          continue;
        }
        if (this.installedSet(r).id !== v - 1) {
          this.installed[f][slot] = 0;
          this.touch(f, slot);
          repaired++;
        }
      }
      for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
        const sf = seen[f] as Uint8Array;
        for (let s = 0; s < this.installed[f].length; s++) {
          if (s % (SCAN_CHUNK * 10) === 0) await nextTurn(this.clock);
          // Re-read after every turn: the column grows (and the old one is given up) meanwhile.
          const inst = this.installed[f];
          if (inst[s] !== 0 && s < sf.length && !sf[s]) {
            inst[s] = 0;
            this.touch(f, s);
            repaired++;
          }
        }
      }
      if (this.strays.length > 0) void this.removeStrays();
      // Static routes missing or changed (by hand, or refused while their gateway was unreachable).
      const drifted = [...this.statics].filter(([k]) => !staticsSeen.has(k)).map(([, r]) => r);
      if (drifted.length) {
        repaired += drifted.length;
        await this.installStatics(drifted);
      }
      // Installs the kernel refused: the flush decides each again (the route may be gone, or fine now).
      for (const [f, slot] of this.failed.splice(0)) {
        if ((this.installed[f][slot] as number) !== 0) continue;
        this.touch(f, slot);
        this.counters.retried++;
      }
      if (repaired > 0) {
        this.counters.repaired += repaired;
        this.log.warn({ repaired }, 'kernel routes drifted; putting them back');
      }
    } finally {
      this.scanning = false;
    }
  }

  /**
   * For `show fib diff`: the kernel's wren routes against what the RIB wants there now. Read-only:
   * it reports drift (which the periodic scan repairs) without touching anything.
   */
  async diff(limit = 1000): Promise<FibDiff> {
    const routes = await this.kernel.dumpRoutesOf(this.config.protocol, this.config.table);
    const out: FibDiff = { kernel: routes.length, wanted: 0, missing: 0, extra: 0, different: 0, rows: [] };
    const text = (nhs: NextHop[] | undefined) => (nhs ? nhs.map((n) => `${addressToString(n.gateway)}${n.onlink ? ' onlink' : ''}`).join(', ') : '-');
    const row = (kind: FibDiffRow['kind'], prefix: string, kernel: NextHop[] | undefined, rib: NextHop[] | undefined) => {
      out[kind]++;
      if (out.rows.length < limit) out.rows.push({ kind, prefix, kernel: text(kernel), rib: text(rib) });
    };
    const seen: [Uint8Array, Uint8Array] = [new Uint8Array(this.installed[0].length), new Uint8Array(this.installed[1].length)];
    for (let i = 0; i < routes.length; i++) {
      if (i % SCAN_CHUNK === SCAN_CHUNK - 1) await nextTurn(this.clock);
      const r = routes[i] as KernelRoute;
      if (this.isStatic(routeKey(r.family, r.dst, r.dstLen))) continue;
      const f = familyOfRoute(r);
      const slot = this.slotOfRoute(f, r);
      const want = slot >= 0 ? this.desired(f, slot) : null;
      const prefix = `${addressToString(r.dst)}/${r.dstLen}`;
      if (slot >= 0 && slot < (seen[f] as Uint8Array).length) (seen[f] as Uint8Array)[slot] = 1;
      if (!want) row('extra', prefix, r.nexthops, undefined);
      else if (this.installedSet(r).id !== want.id) row('different', prefix, r.nexthops, want.nexthops);
    }
    for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
      const sf = seen[f] as Uint8Array;
      for (let s = 0, n = this.rib.slotLimit(f); s < n; s++) {
        if (s % SCAN_CHUNK === SCAN_CHUNK - 1) await nextTurn(this.clock);
        if (!this.rib.isPrefix(f, s)) continue;
        const want = this.desired(f, s);
        if (!want || this.isStatic(this.slotKey(f, s))) continue;
        out.wanted++;
        if (s < sf.length && sf[s]) continue;
        const r = this.kernelRoute(f, s, want);
        row('missing', `${addressToString(r.dst)}/${r.dstLen}`, undefined, want.nexthops);
      }
    }
    return out;
  }

  /** The RIB slot of a kernel route's prefix, or -1. */
  private slotOfRoute(f: Family, r: KernelRoute): number {
    return this.rib.findBytes(f, r.dst, r.dstLen);
  }

  /** Routes with our protocol for prefixes the RIB has never heard of. */
  private async removeStrays(): Promise<void> {
    const stray = this.strays.splice(0);
    for (const r of stray) this.adopted.delete(routeKey(r.family, r.dst, r.dstLen));
    const res = await this.kernel.apply(stray.map((route) => ({ op: 'delete', route })));
    this.counters.pruned += res.filter((e) => e === 0 || e === -3).length;
  }

  /** A route notification: a wren route someone removed is put back at once. */
  onKernelRoute(r: KernelRoute, deleted: boolean): void {
    if (!deleted || r.protocol !== this.config.protocol || r.table !== this.config.table) return;
    const st = this.statics.size > 0 ? this.statics.get(routeKey(r.family, r.dst, r.dstLen)) : undefined;
    if (st) {
      this.counters.repaired++;
      void this.installStatics([st]);
      return;
    }
    const f = familyOfRoute(r);
    const slot = this.slotOfRoute(f, r);
    if (slot >= 0 && this.installed[f][slot] !== 0) {
      this.installed[f][slot] = 0;
      this.counters.repaired++;
      this.touch(f, slot);
    }
  }

  /**
   * wrend stops: from now on the kernel is left alone (sessions closing must not withdraw
   * anything), then routes are kept (persist) or removed.
   */
  /** Stop syncing; wren's routes stay in the kernel unless `withdraw` (default: not fib.persist). */
  async stop(withdraw = !this.config.persist): Promise<void> {
    this.stopped = true;
    this.stopScans?.();
    if (!withdraw) return;
    const ops: RouteOp[] = [];
    for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
      for (let s = 0, n = this.rib.slotLimit(f); s < n; s++) {
        const v = this.installed[f][s] as number;
        if (v) ops.push({ op: 'delete', route: this.kernelRoute(f, s, this.sets[v - 1] ?? null) });
      }
    }
    for (const route of this.statics.values()) ops.push({ op: 'delete', route });
    await this.kernel.apply(ops);
  }

  /** Installed routes, for `show fib` and tests. */
  get installedCount(): number {
    let n = 0;
    for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) for (const v of this.installed[f]) if (v) n++;
    return n;
  }
}
