/**
 * An interned set of path attributes, shared by every route that carries the same attributes,
 * with the fields best-path selection reads pulled out once. Its identity (the `readonly` fields:
 * the attributes, next hop, decision fields, key and hash) never changes: to change one (export
 * rules, policy), build a new set and intern it. The other fields are not part of what the set
 * means and are marked as what they are: store bookkeeping (`refs`, `id`), set once when interned
 * (`base`), or caches derived from the identity (`nhCost`/`nhEpoch`, the encoded bytes).
 */
import { AsPathSegmentType } from '../wire/constants.js';
import { asPathLength, reconstructAsPath } from '../wire/attributes/as-path.js';
import type { AsPathSegment, PathAttribute } from '../wire/attributes/types.js';

/** RFC 9494 well-known communities. */
export const LLGR_STALE = 0xffff0006;
export const NO_LLGR = 0xffff0007;

export class AttrSet {
  /** Path attributes without NEXT_HOP and MP_(UN)REACH_NLRI; AS_PATH in its true 4-octet form. */
  readonly attrs: readonly PathAttribute[];
  /** Next hop bytes: 4 (IPv4), 16 or 32 (IPv6 global [+ link-local]); empty for "this router". */
  readonly nextHop: Buffer;
  readonly origin: number;
  readonly asPath: readonly AsPathSegment[];
  readonly pathLength: number;
  /** The neighbouring AS (first AS of a leading AS_SEQUENCE), 0 when the path is empty. */
  readonly neighborAs: number;
  readonly localPref: number;
  /** -1 when absent. */
  readonly med: number;
  /** -1 when absent. */
  readonly originatorId: number;
  readonly clusterList: readonly number[];
  readonly communities: readonly number[];
  /** RFC 9494: carries LLGR_STALE (kept past its peer's restart: least preferred), NO_LLGR (never kept so). */
  readonly llgrStale: boolean;
  readonly noLlgr: boolean;
  /** Identity in its store (its bytes as a latin1 string), and its hash. */
  readonly key: string;
  readonly hash: number;
  /** Store bookkeeping: routes and sets holding this one. */
  refs = 0;
  /** Store bookkeeping: index in its store (set when interned), so routes can hold a number instead of a pointer. */
  id = -1;
  /** Cache: next-hop cost (see nexthop.ts) and the resolver epoch it was computed in. */
  nhCost = 0;
  nhEpoch = -1;
  /** Set once when interned, for a set made by policy: the set it was made from (for explain). */
  base: AttrSet | null = null;
  /**
   * Cache, not identity: the attribute bytes for sending, by codec variant, filled by the export
   * path. Most sets are sent in one variant: it has a slot of its own, and a Map is made only for
   * a second one (import sets never need any).
   */
  private encodedVariant: string | null = null;
  private encodedBytes: Buffer | null = null;
  private encodedMore: Map<string, Buffer> | null = null;

  /** The cached attribute bytes of `variant`, if any. */
  encodedFor(variant: string): Buffer | undefined {
    if (this.encodedVariant === variant) return this.encodedBytes as Buffer;
    return this.encodedMore?.get(variant);
  }

  cacheEncoded(variant: string, bytes: Buffer): void {
    if (this.encodedVariant === null) {
      this.encodedVariant = variant;
      this.encodedBytes = bytes;
    } else (this.encodedMore ??= new Map()).set(variant, bytes);
  }

  constructor(attrs: readonly PathAttribute[], nextHop: Buffer, key: string, hash: number) {
    this.attrs = attrs;
    this.nextHop = nextHop;
    this.key = key;
    this.hash = hash;
    let origin = 2;
    let segments: readonly AsPathSegment[] = [];
    let localPref = -1;
    let med = -1;
    let originatorId = -1;
    let clusterList: readonly number[] = [];
    let communities: readonly number[] = [];
    for (const a of attrs) {
      if (a.kind === 'origin') origin = a.origin;
      else if (a.kind === 'as-path') segments = a.segments;
      else if (a.kind === 'local-pref') localPref = a.localPref;
      else if (a.kind === 'med') med = a.med;
      else if (a.kind === 'originator-id') originatorId = a.originatorId;
      else if (a.kind === 'cluster-list') clusterList = a.clusterList;
      else if (a.kind === 'communities') communities = a.communities;
    }
    this.origin = origin;
    this.asPath = segments;
    this.pathLength = asPathLength(segments);
    const first = segments[0];
    this.neighborAs = first && first.type === AsPathSegmentType.AS_SEQUENCE ? (first.asns[0] ?? 0) : 0;
    this.localPref = localPref;
    this.med = med;
    this.originatorId = originatorId;
    this.clusterList = clusterList;
    this.communities = communities;
    this.llgrStale = communities.length > 0 && communities.includes(LLGR_STALE);
    this.noLlgr = communities.length > 0 && communities.includes(NO_LLGR);
  }

  get(kind: PathAttribute['kind']): PathAttribute | undefined {
    return this.attrs.find((a) => a.kind === kind);
  }

  /** Does the AS_PATH contain `asn` more than `allowed` times? */
  loops(asn: number, allowed = 0): boolean {
    let n = 0;
    for (const s of this.asPath) for (const a of s.asns) if (a === asn && ++n > allowed) return true;
    return false;
  }
}

/**
 * The attributes of a received UPDATE as wren keeps them: AS4_PATH/AS4_AGGREGATOR folded into
 * AS_PATH (RFC 6793), NEXT_HOP and the MP attributes taken out (the next hop is kept apart).
 */
export function normalizeReceived(attrs: readonly PathAttribute[]): PathAttribute[] {
  let asPath: AsPathSegment[] = [];
  let as4: AsPathSegment[] | null = null;
  let aggregatorAs = -1;
  let hasAs4Aggregator = false;
  for (const a of attrs) {
    if (a.kind === 'as-path') asPath = a.segments;
    else if (a.kind === 'as4-path') as4 = a.segments;
    else if (a.kind === 'aggregator') aggregatorAs = a.asn;
    else if (a.kind === 'as4-aggregator') hasAs4Aggregator = true;
  }
  const path = reconstructAsPath(asPath, as4, aggregatorAs, hasAs4Aggregator);
  const as4Agg = attrs.find((a) => a.kind === 'as4-aggregator');
  const out: PathAttribute[] = [];
  for (const a of attrs) {
    switch (a.kind) {
      case 'next-hop':
      case 'mp-reach':
      case 'mp-unreach':
      case 'as4-path':
      case 'as4-aggregator':
        continue;
      case 'as-path':
        // slice(): exact-size arrays (pushed-to ones keep spare capacity; these live in the RIB).
        out.push({ kind: 'as-path', type: a.type, flags: a.flags & ~0x10, segments: path.slice() });
        continue;
      case 'aggregator':
        if (as4Agg?.kind === 'as4-aggregator' && a.asn === 23456) out.push({ ...a, asn: as4Agg.asn });
        else out.push(a);
        continue;
      default:
        out.push(a);
    }
  }
  return out.sort((x, y) => x.type - y.type).slice();
}

export const DEFAULT_LOCAL_PREF = 100;
export const NO_NEXT_HOP = Buffer.alloc(0);


