/**
 * The BGP UPDATEs BMP Route Monitoring carries for one peer: its paths as held after import policy
 * (post-policy Adj-RIB-In), one prefix per message, encoded with the session's codec; and the
 * withdrawals of prefixes it no longer has a path for.
 */
import { AttrFlag, AttrType, Family } from '../wire/constants.js';
import type { CodecContext } from '../wire/context.js';
import { encodeNlri, type Prefix } from '../wire/nlri.js';
import { encodeUpdate } from '../wire/update.js';
import type { PathAttribute } from '../wire/attributes/types.js';
import type { RibReader, SlotRef } from '../rib/rib-reader.js';
import type { RouteSource } from '../rib/route-source.js';
import type { AttrSet } from '../rib/attr-set.js';

function prefixOf(rib: RibReader, f: Family, slot: SlotRef, pathId: number): Prefix {
  const bytes = Buffer.alloc(f === Family.IPV4_UNICAST ? 4 : 16);
  rib.writeAddress(f, slot, bytes);
  const p: Prefix = { family: f, bytes, length: rib.prefixLength(f, slot) };
  if (pathId) p.pathId = pathId;
  return p;
}

/** An UPDATE announcing `prefix` with `set`'s attributes (NEXT_HOP for IPv4, MP_REACH_NLRI for IPv6). */
export function announceUpdate(prefix: Prefix, set: AttrSet, ctx: CodecContext): Buffer {
  const addPath = prefix.pathId !== undefined;
  if (prefix.family === Family.IPV4_UNICAST) {
    const nh = set.nextHop.length === 4 ? set.nextHop.readUInt32BE(0) : 0;
    const attrs: PathAttribute[] = [...set.attrs, { kind: 'next-hop', type: AttrType.NEXT_HOP, flags: AttrFlag.TRANSITIVE, nextHop: nh } as PathAttribute];
    return encodeUpdate({ attributes: attrs, nlri: encodeNlri([prefix], Family.IPV4_UNICAST, addPath) }, ctx);
  }
  const mp = { kind: 'mp-reach', type: AttrType.MP_REACH_NLRI, flags: AttrFlag.OPTIONAL, afi: 2, safi: 1, nextHop: set.nextHop.length ? set.nextHop : Buffer.alloc(16), nlri: encodeNlri([prefix], Family.IPV6_UNICAST, addPath), rest: null } as PathAttribute;
  return encodeUpdate({ attributes: [...set.attrs, mp] }, ctx);
}

export function withdrawUpdate(prefix: Prefix, ctx: CodecContext): Buffer {
  const addPath = prefix.pathId !== undefined;
  if (prefix.family === Family.IPV4_UNICAST) return encodeUpdate({ attributes: [], withdrawn: encodeNlri([prefix], Family.IPV4_UNICAST, addPath) }, ctx);
  const mp = { kind: 'mp-unreach', type: AttrType.MP_UNREACH_NLRI, flags: AttrFlag.OPTIONAL, afi: 2, safi: 1, withdrawn: encodeNlri([prefix], Family.IPV6_UNICAST, addPath), rest: null } as PathAttribute;
  return encodeUpdate({ attributes: [mp] }, ctx);
}

/** Every path `source` holds, as UPDATEs, a family at a time (lazily: a million routes stream). */
export function* tableOf(rib: RibReader, source: RouteSource, families: number, ctx: CodecContext): Generator<Buffer> {
  for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
    if (!(families & (1 << f))) continue;
    for (let s = rib.nextRouteFrom(f, source, 0); s >= 0; s = rib.nextRouteFrom(f, source, s + 1)) {
      for (let p = rib.firstPath(f, s); p >= 0; p = rib.nextPath(p)) {
        if (rib.source(p) !== source) continue;
        yield announceUpdate(prefixOf(rib, f, s, rib.pathId(p)), rib.attrs(p), ctx);
      }
    }
  }
}

/** What `source` now holds for `prefix` (after an UPDATE changed it): its path, or a withdrawal. */
export function currentFor(rib: RibReader, source: RouteSource, prefix: Prefix, ctx: CodecContext): Buffer {
  const slot = rib.find(prefix);
  const p = slot >= 0 ? rib.pathFrom(prefix.family, slot, source, prefix.pathId ?? 0) : -1;
  return p >= 0 ? announceUpdate(prefix, rib.attrs(p), ctx) : withdrawUpdate(prefix, ctx);
}
