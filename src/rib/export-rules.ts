/**
 * Which best paths go to which kind of peer, and with what attributes (RFC 4271 §9.2, RFC 4456):
 * iBGP split horizon unless reflecting, eBGP prepends our ASN and sets the next hop to us, iBGP
 * keeps the next hop unless told otherwise, reflection sets ORIGINATOR_ID and CLUSTER_LIST.
 */
import { AsPathSegmentType, AttrFlag, AttrType, Family } from '../wire/constants.js';
import { DEFAULT_LOCAL_PREF, fieldsOf, type AttrSet } from './attr-set.js';
import { AttrStore, type SetParts } from './attr-store.js';
import { keyedHash } from './keyed-hash.js';
import { canonicalKey, KeyFormat } from './attr-key.js';
import { ibgpExportBytes, type ByteExport } from './export-bytes.js';
import type { Path } from './decision.js';
import type { RouteSource } from './route-source.js';
import type { AsPathSegment, PathAttribute } from '../wire/attributes/types.js';
import { applyActions, type Actions } from '../policy/actions.js';
import type { PolicyChain } from '../policy/policy.js';

/** What export needs to know about a group of receiving peers. */
export interface ExportTarget {
  kind: 'ebgp' | 'ibgp';
  /** The receivers are our route-reflector clients. */
  isClient: boolean;
  family: Family;
  localAsn: number;
  routerId: number;
  /** Our cluster id when we reflect routes (null: not a route reflector). */
  clusterId: number | null;
  nextHopSelf: boolean;
  /** eBGP: keep the received next hop instead of setting ourselves. */
  nextHopKeep: boolean;
  /** Our address on the sessions of this group, as the next hop we announce (4 or 16 bytes). */
  localNextHop: Buffer;
  /** The peers' export policy chain (part of the group's identity). */
  policy?: PolicyChain | null;
  /**
   * eBGP: the session's own route source, whose routes are not sent back to it (the peer has
   * them and would drop them on the AS-path check; BIRD does not send them back either). It makes
   * the group the session's own; iBGP groups stay shared.
   */
  exclude?: RouteSource | null;
  /** The peers announced long-lived graceful restart (RFC 9494): LLGR_STALE routes may go to them. */
  longLived?: boolean;
}


function prepend(segments: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const out = segments.filter((s) => s.type === AsPathSegmentType.AS_SEQUENCE || s.type === AsPathSegmentType.AS_SET).map((s) => ({ type: s.type, asns: s.asns.slice() }));
  const first = out[0];
  if (first && first.type === AsPathSegmentType.AS_SEQUENCE && first.asns.length < 255) first.asns.unshift(asn);
  else out.unshift({ type: AsPathSegmentType.AS_SEQUENCE, asns: [asn] });
  return out;
}

/** May a best path from `src` be announced to `t` at all? */
export function exportable(src: RouteSource, t: ExportTarget): boolean {
  if (src.kind !== 'ibgp' || t.kind === 'ebgp') return true;
  if (t.clusterId === null) return false; // iBGP split horizon
  return src.isClient || t.isClient;
}

/** The attribute list sent to `t` for `best` (next hop separate). */
export function exportAttributes(best: Path, t: ExportTarget): { attrs: PathAttribute[]; nextHop: Buffer } {
  const src = best.source;
  const a = best.attrs;
  const out: PathAttribute[] = [];
  const reflect = t.kind === 'ibgp' && src.kind === 'ibgp';
  for (const attr of a.attrs) {
    switch (attr.kind) {
      case 'as-path':
        // Written out, not spread: see u32Attribute in wire/attributes/basic.ts (hidden classes).
        out.push({ kind: 'as-path', type: attr.type, flags: attr.flags, segments: t.kind === 'ebgp' ? prepend(attr.segments, t.localAsn) : attr.segments });
        break;
      case 'local-pref':
        if (t.kind === 'ibgp') out.push(attr);
        break;
      case 'med':
        // A MED learned from a neighbouring AS does not go to another AS (RFC 4271 §5.1.4).
        if (t.kind === 'ibgp') out.push(attr);
        break;
      case 'originator-id':
      case 'cluster-list':
        break;
      case 'unknown':
        if (attr.flags & AttrFlag.TRANSITIVE) out.push({ kind: 'unknown', type: attr.type, flags: attr.flags | AttrFlag.PARTIAL, value: attr.value });
        break;
      default:
        out.push(attr);
    }
  }
  if (!out.some((x) => x.kind === 'as-path')) {
    out.push({ kind: 'as-path', type: AttrType.AS_PATH, flags: AttrFlag.TRANSITIVE, segments: t.kind === 'ebgp' ? prepend([], t.localAsn) : [] });
  }
  if (!out.some((x) => x.kind === 'origin')) out.push({ kind: 'origin', type: AttrType.ORIGIN, flags: AttrFlag.TRANSITIVE, origin: a.origin });
  if (t.kind === 'ibgp' && !out.some((x) => x.kind === 'local-pref')) {
    out.push({ kind: 'local-pref', type: AttrType.LOCAL_PREF, flags: AttrFlag.TRANSITIVE, localPref: a.localPref >= 0 ? a.localPref : DEFAULT_LOCAL_PREF });
  }
  if (reflect) {
    out.push({ kind: 'originator-id', type: AttrType.ORIGINATOR_ID, flags: AttrFlag.OPTIONAL, originatorId: a.originatorId >= 0 ? a.originatorId : src.routerId });
    out.push({ kind: 'cluster-list', type: AttrType.CLUSTER_LIST, flags: AttrFlag.OPTIONAL, clusterList: [t.clusterId as number, ...a.clusterList] });
  }
  out.sort((x, y) => x.type - y.type);
  const nextHop = exportNextHop(best, t);
  return { attrs: out, nextHop };
}

/** The next hop `best` goes to `t` with (RFC 4271 5.1.3, RFC 4456 10, RFC 2545 3). */
export function exportNextHop(best: Path, t: ExportTarget): Buffer {
  return exportNextHopOf(best.attrs, best.source.kind, t);
}

/** The same for a set `a` of a source of kind `kind`. */
export function exportNextHopOf(a: AttrSet, kind: RouteSource['kind'], t: ExportTarget): Buffer {
  const self = (t.kind === 'ebgp' && !t.nextHopKeep) || t.nextHopSelf || kind === 'local' || a.nextHop.length === 0;
  // A kept IPv6 next hop goes without the originator's link-local half: that address belongs to
  // another router's link and the receiver cannot use it (FRR drops such routes); the global one
  // is enough (RFC 2545 §3).
  const nextHop = self ? t.localNextHop : a.nextHop.length === 32 ? a.nextHop.subarray(0, 16) : a.nextHop;
  // A next hop of the other family than the NLRI cannot be kept: use ours.
  return (t.family === Family.IPV4_UNICAST) !== (nextHop.length === 4) ? t.localNextHop : nextHop;
}

/**
 * Export attributes interned in `store` (so every route with the same outcome shares one set). An
 * export policy's changes apply after the export rules, as BIRD applies an export filter's: MED
 * and next hop as the policy says, prepends behind our own ASN on eBGP, no LOCAL_PREF to eBGP.
 */
export function exportSet(best: Path, t: ExportTarget, store: AttrStore, policy: readonly Actions[] = NO_ACTIONS): AttrSet {
  if (policy.length === 0 && t.kind === 'ibgp') {
    // The common case, from the key bytes (export-bytes.ts): nothing decoded.
    const nh = exportNextHop(best, t);
    const b = ibgpExportBytes(best.attrs, best.source.kind === 'ibgp', best.source.routerId, t.clusterId, nh);
    const set = b ? store.internIf(keyedHash(b.key, b.keyLength), b.key, b.keyLength, byteParts, b, nh) : null;
    if (set) return set;
  }
  let { attrs, nextHop } = exportAttributes(best, t);
  if (policy.length) {
    ({ attrs, nextHop } = applyActions(attrs, nextHop, policy, { ebgpExport: t.kind === 'ebgp', selfNextHop: t.localNextHop, originalNextHop: best.attrs.nextHop, localAsn: t.localAsn }));
    if ((t.family === Family.IPV4_UNICAST) !== (nextHop.length === 4)) nextHop = t.localNextHop;
  }
  const key = canonicalKey(KeyFormat.EXPORT, attrs, nextHop);
  // Not the list itself to the set's cache: a policy's list need not be in type order, and the set
  // must read the same whether decoded from its key (which is) or not.
  return store.intern(keyedHash(key), key, () => ({ fields: fieldsOf(attrs), nextHop: nextHop.length > 4 ? store.nextHop(nextHop) : nextHop }));
}

/** No export policy (a default argument would be a new array per call). */
const NO_ACTIONS: readonly Actions[] = [];

/** A new export set's parts from the byte path (a function, not a closure per call). */
function byteParts(store: AttrStore, b: ByteExport, nh: Buffer): SetParts {
  return { fields: b.fields, nextHop: nh.length > 4 ? store.nextHop(nh) : nh };
}
