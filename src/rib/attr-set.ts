/**
 * An interned set of path attributes, shared by every route that carries the same attributes,
 * with the fields best-path selection reads pulled out once. The attributes themselves are kept
 * only as the set's key bytes (attr-key.ts) and decoded again when something asks for them (a
 * small cache keeps the lists of recently used sets): a decoded list is a few dozen objects, and
 * 200k sets of a real table held that way cost more than the whole rest of the RIB. Its identity
 * (the `readonly` fields) never changes: to change one (export rules, policy), build a new set and
 * intern it. The other fields are not part of what the set means and are marked as what they
 * are: store bookkeeping (`refs`, `id`), set once when interned (`base`), or caches derived from
 * the identity (the encoded bytes; the next-hop cost is a column of the store).
 */
import { AsPathSegmentType } from '../wire/constants.js';
import { asPathLength } from '../wire/attributes/as-path.js';
import type { AsPathSegment, AttrOf, PathAttribute } from '../wire/attributes/types.js';
import { keyAttributes, receivedKeyLoops } from './attr-key.js';

/** RFC 9494 well-known communities. */
export const LLGR_STALE = 0xffff0006;
export const NO_LLGR = 0xffff0007;

/**
 * Decoded attribute lists of recently used sets, direct-mapped by set id. Small on purpose: it only
 * has to serve the reads right after a set is made or looked at (the loop check, a policy over an
 * UPDATE's prefixes, an export). A list held longer outlives two scavenges, moves to the old
 * generation and dies there; with 4096 entries that was every list of a table being loaded (200k
 * sets: internet-1m peaked at 282 MB, 230-241 MB with 64 entries, and ran 8% faster).
 */
const CACHE_SIZE = 64;
const cachedSet: (AttrSet | null)[] = new Array<AttrSet | null>(CACHE_SIZE).fill(null);
const cachedAttrs: (readonly PathAttribute[])[] = new Array<readonly PathAttribute[]>(CACHE_SIZE).fill([]);

const NO_SEGMENTS: readonly AsPathSegment[] = [];
const NO_NUMBERS: readonly number[] = [];

/** What best-path selection and the RIB read of a set, pulled out of its attributes once. */
export interface AttrFields {
  origin: number;
  pathLength: number;
  neighborAs: number;
  /** -1 when absent (as med and originatorId). */
  localPref: number;
  med: number;
  originatorId: number;
  clusterLength: number;
  llgrStale: boolean;
  noLlgr: boolean;
}

/** Fields to fill in (a reused answer): no attribute present, an empty path. */
export function blankFields(): AttrFields {
  return { origin: 0, pathLength: 0, neighborAs: 0, localPref: -1, med: -1, originatorId: -1, clusterLength: 0, llgrStale: false, noLlgr: false };
}

/** The fields of an attribute list. */
export function fieldsOf(attrs: readonly PathAttribute[]): AttrFields {
  let origin = 2;
  let segments = NO_SEGMENTS;
  let localPref = -1;
  let med = -1;
  let originatorId = -1;
  let clusterLength = 0;
  let communities = NO_NUMBERS;
  for (const a of attrs) {
    if (a.kind === 'origin') origin = a.origin;
    else if (a.kind === 'as-path') segments = a.segments;
    else if (a.kind === 'local-pref') localPref = a.localPref;
    else if (a.kind === 'med') med = a.med;
    else if (a.kind === 'originator-id') originatorId = a.originatorId;
    else if (a.kind === 'cluster-list') clusterLength = a.clusterList.length;
    else if (a.kind === 'communities') communities = a.communities;
  }
  const first = segments[0];
  return {
    origin,
    pathLength: asPathLength(segments),
    neighborAs: first && first.type === AsPathSegmentType.AS_SEQUENCE ? (first.asns[0] ?? 0) : 0,
    localPref,
    med,
    originatorId,
    clusterLength,
    llgrStale: communities.length > 0 && communities.includes(LLGR_STALE),
    noLlgr: communities.length > 0 && communities.includes(NO_LLGR),
  };
}

/** The rare per-set extras (see AttrSet.base and encodedFor), beside the sets that have them. */
const baseOf = new WeakMap<AttrSet, AttrSet>();
const encodedOf = new WeakMap<AttrSet, Map<string, Buffer>>();

const HAS_LOCAL_PREF = 16;
const HAS_MED = 32;
const HAS_ORIGINATOR_ID = 64;

export class AttrSet {
  /** Next hop bytes: 4 (IPv4), 16 or 32 (IPv6 global [+ link-local]); empty for "this router". */
  readonly nextHop: Buffer;
  readonly pathLength: number;
  /**
   * neighborAs, localPref, med and originatorId as int32 bits (read through the getters as
   * uint32, or -1 when absent): a uint32 field above 2^31 is a heap number of 16 bytes besides its
   * field, and most ORIGINATOR_IDs, many MEDs and the private 4-byte ASNs are.
   */
  private readonly nas: number;
  private readonly lp: number;
  private readonly md: number;
  private readonly oid: number;
  /**
   * ORIGIN (bits 0-1), LLGR_STALE (bit 2), NO_LLGR (bit 3), LOCAL_PREF, MED and ORIGINATOR_ID
   * present (bits 4-6), CLUSTER_LIST entries (bits 8 on): one small integer instead of four
   * fields (a field is 8 bytes a set; an Internet table has 400k sets).
   */
  private readonly bits: number;
  /** Identity in its store (its key bytes as a latin1 string, see attr-key.ts; its hash is a column of the store). */
  readonly key: string;
  /** Store bookkeeping: routes and sets holding this one. */
  refs = 0;
  /** Store bookkeeping: index in its store, so routes can hold a number instead of a pointer; -1 in none. */
  id: number;
  /** Store bookkeeping: unique for the life of the process (ids are reused), for caches keyed by set. */
  serial = 0;

  /**
   * Set once when interned, for a set made by policy: the set it was made from (for explain).
   * Few sets have one, so it lives beside them, not in a field of every set.
   */
  get base(): AttrSet | null {
    return baseOf.get(this) ?? null;
  }

  set base(b: AttrSet | null) {
    if (b) baseOf.set(this, b);
    else baseOf.delete(this);
  }

  /**
   * Cache, not identity: the attribute bytes for sending, by codec variant, filled by the export
   * path for variants its key does not hold (2-octet peers; attr-key.ts exportWire serves the rest).
   */
  encodedFor(variant: string): Buffer | undefined {
    return encodedOf.get(this)?.get(variant);
  }

  cacheEncoded(variant: string, bytes: Buffer): void {
    let m = encodedOf.get(this);
    if (!m) encodedOf.set(this, (m = new Map()));
    m.set(variant, bytes);
  }

  /** Entries in CLUSTER_LIST. */
  get clusterLength(): number {
    return this.bits >>> 8;
  }

  /** The neighbouring AS (first AS of a leading AS_SEQUENCE), 0 when the path is empty. */
  get neighborAs(): number {
    return this.nas >>> 0;
  }

  /** -1 when absent (as med and originatorId). */
  get localPref(): number {
    return (this.bits & HAS_LOCAL_PREF) !== 0 ? this.lp >>> 0 : -1;
  }

  get med(): number {
    return (this.bits & HAS_MED) !== 0 ? this.md >>> 0 : -1;
  }

  get originatorId(): number {
    return (this.bits & HAS_ORIGINATOR_ID) !== 0 ? this.oid >>> 0 : -1;
  }

  get origin(): number {
    return this.bits & 3;
  }

  /** RFC 9494: carries LLGR_STALE (kept past its peer's restart: least preferred). */
  get llgrStale(): boolean {
    return (this.bits & 4) !== 0;
  }

  /** RFC 9494: carries NO_LLGR (never kept so). */
  get noLlgr(): boolean {
    return (this.bits & 8) !== 0;
  }

  /**
   * `fields` are what `key` decodes to (fieldsOf its attributes); `attrs`, when the caller has
   * them decoded already, go to the cache (they are not kept); `id`, its index in its store.
   */
  constructor(fields: AttrFields, attrs: readonly PathAttribute[] | null, nextHop: Buffer, key: string, id = -1) {
    this.nextHop = nextHop;
    this.key = key;
    this.id = id;
    // CLUSTER_LIST entries fit: 4 bytes each in at most 65535 bytes of message.
    this.bits =
      (fields.origin & 3) | (fields.llgrStale ? 4 : 0) | (fields.noLlgr ? 8 : 0) |
      (fields.localPref >= 0 ? HAS_LOCAL_PREF : 0) | (fields.med >= 0 ? HAS_MED : 0) | (fields.originatorId >= 0 ? HAS_ORIGINATOR_ID : 0) |
      (fields.clusterLength << 8);
    this.pathLength = fields.pathLength;
    this.nas = fields.neighborAs | 0;
    this.lp = fields.localPref | 0;
    this.md = fields.med | 0;
    this.oid = fields.originatorId | 0;
    if (attrs) {
      const i = id & (CACHE_SIZE - 1);
      cachedSet[i] = this;
      cachedAttrs[i] = attrs;
    }
  }

  /**
   * Path attributes without NEXT_HOP and MP_(UN)REACH_NLRI; AS_PATH in its true 4-octet form.
   * Decoded from the key when not cached: read, never change (the list may be shared).
   */
  get attrs(): readonly PathAttribute[] {
    const i = this.id & (CACHE_SIZE - 1);
    if (cachedSet[i] === this) return cachedAttrs[i] as readonly PathAttribute[];
    const a = keyAttributes(this.key);
    cachedSet[i] = this;
    cachedAttrs[i] = a;
    return a;
  }

  get<K extends PathAttribute['kind']>(kind: K): AttrOf<K> | undefined {
    const list = this.attrs;
    for (let i = 0; i < list.length; i++) if ((list[i] as PathAttribute).kind === kind) return list[i] as AttrOf<K>;
    return undefined;
  }

  get asPath(): readonly AsPathSegment[] {
    return this.get('as-path')?.segments ?? NO_SEGMENTS;
  }

  get communities(): readonly number[] {
    return this.get('communities')?.communities ?? NO_NUMBERS;
  }

  get clusterList(): readonly number[] {
    return this.get('cluster-list')?.clusterList ?? NO_NUMBERS;
  }

  /** Does the AS_PATH contain `asn` more than `allowed` times? */
  loops(asn: number, allowed = 0): boolean {
    // Not decoded (a set made from the wire, received-fields.ts): read the key's bytes instead.
    if (cachedSet[this.id & (CACHE_SIZE - 1)] !== this) {
      const fromKey = receivedKeyLoops(this.key, asn, allowed);
      if (fromKey !== null) return fromKey;
    }
    let n = 0;
    const path = this.asPath;
    for (let i = 0; i < path.length; i++) {
      const asns = (path[i] as AsPathSegment).asns;
      for (let k = 0; k < asns.length; k++) if (asns[k] === asn && ++n > allowed) return true;
    }
    return false;
  }
}

export const DEFAULT_LOCAL_PREF = 100;
export const NO_NEXT_HOP = Buffer.alloc(0);


