/**
 * An Internet-like IPv4 table, derived from a fixed seed (no downloaded data): the prefix-length
 * mix of a real table (mostly /24, then /22, /23, /21, /20 ...), prefixes that overlap as real
 * more-specifics do, and attribute sets as diverse as a real feed's: AS paths of 1-12 ASNs with
 * prepends and some AS_SETs, 0-20 communities, some large communities, MEDs, both origins.
 *
 * The prefixes are data only, from 240.0.0.0/4. Feeds are for iBGP injectors into a route
 * reflector (LOCAL_PREF set, private ASNs that are not the reflector's), as pre-encoded UPDATE
 * messages grouped by attribute set (as a router's update groups send them).
 *
 * With several peers each prefix comes from 1-3 of them, each with its own variant of the path:
 * peers p and p+10 share their first AS, so MEDs are compared between them (RFC 4271 9.1.2.2 c)
 * and the decision runs on real-looking data, MED cycles included.
 */
import { AttrType, Family } from '../../src/wire/constants.js';
import { PrefixBatch } from '../../src/wire/prefix-batch.js';
import { UpdateWriter } from '../../src/wire/update-writer.js';
import { makeContext } from '../../src/wire/context.js';
import { encodePathAttributes } from '../../src/wire/update.js';
import type { PathAttribute } from '../../src/wire/attributes/types.js';

export interface TableSpec {
  /** Routes over all feeds (with several peers, a prefix comes from 1.7 of them on average). */
  routes: number;
  /** Distinct attribute sets over all feeds, about (each peer has its variant of a base set). */
  sets: number;
  peers: number;
  seed: number;
  /** Next hop of every route (a third-party address on the benchmark subnet). */
  nextHop: number;
  /** IPv6: the table's prefixes are IPv6 (in 2001:db8::/32), with this next hop (16 bytes). */
  nextHop6?: Buffer;
}

export interface Feed {
  /** UPDATE messages, each one attribute set and as many prefixes as fit in 4096 bytes. */
  updates: Buffer[];
  /** The prefixes (as keys, see prefixKey) of each UPDATE, for withdrawals and churn. */
  prefixes: number[][];
  routes: number;
}

export interface Table {
  feeds: Feed[];
  /** Distinct prefixes (some draws collide: slightly fewer than asked). */
  prefixes: number;
  /** Distinct attribute sets over all feeds. */
  attributeSets: number;
  /** Prefixes per length, to check the mix. */
  lengths: Record<number, number>;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The length mix of a real IPv4 table (share of prefixes per length, rounded). */
export const LENGTH_MIX: [number, number][] = [
  [24, 0.6], [22, 0.1], [23, 0.09], [21, 0.05], [20, 0.05], [19, 0.03], [18, 0.02], [16, 0.02], [17, 0.015],
  [15, 0.006], [14, 0.005], [13, 0.003], [12, 0.002], [11, 0.001], [10, 0.001], [9, 0.0005], [8, 0.0005],
];

/**
 * The length mix of a real IPv6 table (/48 about half, then /32, /44, /40, /36, /29 ...), every
 * length 16 bits longer: all of it must fit in 2001:db8::/32, the only IPv6 space tests may use,
 * so a real /32 is a /48 here and a real /48 a /64.
 */
export const LENGTH_MIX6: [number, number][] = [
  [64, 0.47], [48, 0.11], [60, 0.08], [56, 0.06], [52, 0.04], [62, 0.03], [63, 0.03], [45, 0.03], [61, 0.02],
  [58, 0.02], [49, 0.02], [50, 0.015], [44, 0.01], [54, 0.01], [57, 0.01], [59, 0.01], [51, 0.01], [55, 0.005],
  [47, 0.005], [46, 0.005], [53, 0.005],
];

function pick<T>(mix: [T, number][], u: number): T {
  let acc = 0;
  for (const [v, w] of mix) {
    acc += w;
    if (u < acc) return v;
  }
  return (mix[0] as [T, number])[0];
}

/**
 * A prefix as one number: address (as uint32) * 64 + length. For IPv6 (2001:db8::/32 and at most
 * /64 long) the address is the 32 bits after 2001:db8, and the same key means the same prefix.
 */
export function prefixKey(addr: number, length: number): number {
  return addr * 64 + length;
}

const DOC6 = Buffer.from('20010db8', 'hex');

/** The 16 address bytes of an IPv6 key's prefix. */
function v6Bytes(key: number, out: Buffer): Buffer {
  out.fill(0);
  DOC6.copy(out, 0);
  out.writeUInt32BE((key - (key % 64)) / 64, 4);
  return out;
}

const CTX = makeContext({ asn4: true });

/** One attribute set of the base table. */
interface Profile {
  path: number[];
  set: number[] | null;
  communities: number[];
  large: [number, number, number][];
  med: number;
  origin: number;
}

function profile(r: () => number): Profile {
  // Path length 1-12, most 3-5; ASNs from 4-byte private space, skewed so transit ASes recur.
  const len = Math.min(12, 1 + Math.floor(-Math.log(1 - r()) * 2.5));
  const asn = () => 4200000000 + Math.floor(r() * r() * 70000);
  const path = Array.from({ length: len }, asn);
  if (r() < 0.12) {
    const origin = path[path.length - 1] as number;
    for (let k = 1 + Math.floor(r() * 4); k > 0; k--) path.push(origin);
  }
  const set = r() < 0.01 ? [asn(), asn()] : null;
  const nc = r() < 0.35 ? 0 : Math.min(20, 1 + Math.floor(-Math.log(1 - r()) * 4));
  const communities = Array.from({ length: nc }, () => (((65000 + Math.floor(r() * 500)) << 16) | Math.floor(r() * 4000)) >>> 0);
  const large: [number, number, number][] = r() < 0.08 ? Array.from({ length: 1 + Math.floor(r() * 3) }, () => [4200000000 + Math.floor(r() * 1000), Math.floor(r() * 100), Math.floor(r() * 1000)] as [number, number, number]) : [];
  return { path, set, communities, large, med: r() < 0.4 ? Math.floor(r() * 1000) : -1, origin: r() < 0.9 ? 0 : 2 };
}

/** Peer p's variant of a profile: its own first AS (shared with p +- 10), its MED. */
function attributes(p: Profile, peer: number, peers: number, nextHop: number | null, variant: number): PathAttribute[] {
  const first = peers > 1 ? [64600 + (peer % 10)] : [];
  const segments: { type: number; asns: number[] }[] = [{ type: 2, asns: [...first, ...p.path, ...(variant ? [64999] : [])] }];
  if (p.set) segments.push({ type: 1, asns: p.set });
  const list: PathAttribute[] = [
    { kind: 'origin', type: AttrType.ORIGIN, flags: 0x40, origin: p.origin },
    { kind: 'as-path', type: AttrType.AS_PATH, flags: 0x40, segments },
    { kind: 'local-pref', type: AttrType.LOCAL_PREF, flags: 0x40, localPref: 100 },
  ];
  // IPv6: the next hop goes in MP_REACH_NLRI (encodeUpdates).
  if (nextHop !== null) list.push({ kind: 'next-hop', type: AttrType.NEXT_HOP, flags: 0x40, nextHop });
  const med = p.med >= 0 ? p.med + (peers > 1 ? (peer * 37) % 100 : 0) + variant : -1;
  if (med >= 0) list.push({ kind: 'med', type: AttrType.MULTI_EXIT_DISC, flags: 0x80, med });
  if (p.communities.length) list.push({ kind: 'communities', type: AttrType.COMMUNITIES, flags: 0xc0, communities: p.communities });
  if (p.large.length) list.push({ kind: 'large-communities', type: AttrType.LARGE_COMMUNITY, flags: 0xc0, communities: p.large.flat() });
  return list;
}

/**
 * UPDATE messages for `keys` (see prefixKey) with pre-encoded `attrs`, or withdrawals when `attrs`
 * is null: as many prefixes per 4096-byte message as fit (wire/update-writer.ts), with the keys each
 * message carries.
 */
export function encodeUpdates(attrs: Buffer | null, keys: number[], nextHop6: Buffer | null = null): { updates: Buffer[]; groups: number[][] } {
  const v6 = nextHop6 !== null;
  const batch = new PrefixBatch(v6 ? Family.IPV6_UNICAST : Family.IPV4_UNICAST, Math.max(1, keys.length));
  const bytes = Buffer.alloc(16);
  for (const key of keys) {
    const len = key % 64 || 64;
    if (v6) batch.pushV6(v6Bytes(key, bytes), 0, len);
    else batch.pushV4((key - (key % 64)) / 64, len);
  }
  const w = new UpdateWriter(4096);
  const out = Buffer.allocUnsafe(4096);
  const updates: Buffer[] = [];
  const groups: number[][] = [];
  for (let from = 0; from < batch.count; ) {
    const next = v6
      ? attrs
        ? w.announceMp(out, 0, attrs, nextHop6, batch, from, batch.count)
        : w.withdrawMp(out, 0, batch, from, batch.count)
      : attrs
        ? w.announceV4(out, 0, attrs, batch, from, batch.count)
        : w.withdrawV4(out, 0, batch, from, batch.count);
    if (next <= from) throw new Error('attributes leave no room for a prefix');
    updates.push(Buffer.from(out.subarray(0, w.length)));
    groups.push(keys.slice(from, next));
    from = next;
  }
  return { updates, groups };
}

/** The table, per peer. Deterministic for a spec. */
export function internetTable(spec: TableSpec, variant = 0): Table {
  const r = rng(spec.seed);
  const lengths: Record<number, number> = {};
  const seen = new Set<number>();
  const keys: number[] = [];
  const want = spec.peers === 1 ? spec.routes : Math.round(spec.routes / 1.7);
  const v6 = spec.nextHop6 !== undefined;
  for (let tries = 0; keys.length < want && tries < want * 3; tries++) {
    const len = pick(v6 ? LENGTH_MIX6 : LENGTH_MIX, r());
    // IPv4 in 240.0.0.0/4 (data only); IPv6 in 2001:db8::/32, the 32 bits after it drawn.
    const addr = v6
      ? (Math.floor(r() * 0x100000000) & (len - 32 >= 32 ? 0xffffffff : ~(0xffffffff >>> (len - 32)))) >>> 0
      : ((0xf0000000 | Math.floor(r() * 0x10000000)) & (0xffffffff << (32 - len))) >>> 0;
    const key = prefixKey(addr, len % 64);
    if (seen.has(key)) continue;
    seen.add(key);
    keys.push(key);
    lengths[len] = (lengths[len] ?? 0) + 1;
  }
  const base = spec.peers === 1 ? spec.sets : Math.ceil(spec.sets / spec.peers);
  const profiles = Array.from({ length: base }, () => profile(r));
  // Every set is used; the rest of the routes go to sets skewed towards the first ones, as a few
  // origins announce many prefixes.
  const per = Array.from({ length: spec.peers }, () => new Map<number, number[]>());
  const setCount = new Set<string>();
  keys.forEach((key, i) => {
    const prof = i < base ? i : Math.floor(base * r() * r());
    const copies = spec.peers === 1 ? 1 : 1 + (r() < 0.5 ? 1 : 0) + (r() < 0.2 ? 1 : 0);
    const first = Math.floor(r() * spec.peers);
    for (let c = 0; c < copies; c++) {
      const peer = (first + c * 7) % spec.peers;
      const m = per[peer] as Map<number, number[]>;
      const list = m.get(prof);
      if (list) list.push(key);
      else m.set(prof, [key]);
      setCount.add(`${peer}|${prof}`);
    }
  });
  const feeds = per.map((m, peer): Feed => {
    const updates: Buffer[] = [];
    const prefixes: number[][] = [];
    let routes = 0;
    for (const [prof, list] of m) {
      const attrs = encodePathAttributes(attributes(profiles[prof] as Profile, peer, spec.peers, v6 ? null : spec.nextHop, variant), CTX);
      const u = encodeUpdates(attrs, list, spec.nextHop6 ?? null);
      updates.push(...u.updates);
      prefixes.push(...u.groups);
      routes += list.length;
    }
    return { updates, prefixes, routes };
  });
  return { feeds, prefixes: keys.length, attributeSets: setCount.size, lengths };
}
