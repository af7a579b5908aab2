/** RFC 4760 MP_REACH_NLRI / MP_UNREACH_NLRI for IPv4 and IPv6 unicast (RFC 2545, RFC 8950 next hops). */
import { Afi, AttrFlag, AttrType, Family, UpdateSubcode, familyOf } from '../constants.js';
import { ErrorAction } from '../errors.js';
import { hasAddPath, type CodecContext } from '../context.js';
import { validateNlri, type NlriBlock } from '../nlri.js';
import { malformedAttr } from './malformed.js';
import type { AttrCodec, AttrSpan, PathAttribute } from './types.js';

/** Next-hop lengths a family accepts: IPv6 global (+ link-local); IPv4, or IPv6 per RFC 8950. */
function nextHopLengthValid(family: Family, len: number): boolean {
  if (family === Family.IPV6_UNICAST) return len === 16 || len === 32;
  return len === 4 || len === 16 || len === 32;
}

function disable(span: AttrSpan, family: Family, message: string, subcode: number) {
  const e = malformedAttr(span, message, subcode, ErrorAction.AFI_SAFI_DISABLE);
  e.family = family;
  return e;
}

function nlriBlock(span: AttrSpan, start: number, family: Family, ctx: CodecContext): NlriBlock {
  const addPath = hasAddPath(ctx, family);
  validateNlri(span.buf, start, span.end, family, addPath, ErrorAction.AFI_SAFI_DISABLE);
  return { buf: span.buf, start, end: span.end, family, addPath };
}

export const MP_REACH_NLRI: AttrCodec = {
  type: AttrType.MP_REACH_NLRI,
  kind: 'mp-reach',
  flags: AttrFlag.OPTIONAL,
  malformed: ErrorAction.SESSION_RESET,
  decode(span, ctx) {
    const { buf, start, end } = span;
    if (end - start < 5) throw malformedAttr(span, `MP_REACH_NLRI of length ${end - start}`);
    const afi = buf.readUInt16BE(start);
    const safi = buf[start + 2] as number;
    const nhLen = buf[start + 3] as number;
    const nhEnd = start + 4 + nhLen;
    if (nhEnd + 1 > end) throw malformedAttr(span, `MP_REACH_NLRI next hop length ${nhLen} overruns the attribute`);
    const nextHop = Buffer.from(buf.subarray(start + 4, nhEnd));
    const family = familyOf(afi, safi);
    if (family < 0) {
      return { kind: 'mp-reach', type: span.type, flags: span.flags, afi, safi, nextHop, nlri: null, rest: Buffer.from(buf.subarray(nhEnd, end)) };
    }
    const fam = family as Family;
    if (!nextHopLengthValid(fam, nhLen)) {
      throw disable(span, fam, `MP_REACH_NLRI next hop length ${nhLen} for AFI ${afi}`, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
    }
    return { kind: 'mp-reach', type: span.type, flags: span.flags, afi, safi, nextHop, nlri: nlriBlock(span, nhEnd + 1, fam, ctx), rest: null };
  },
  encode(a) {
    if (a.kind !== 'mp-reach') return Buffer.alloc(0);
    const head = Buffer.alloc(4);
    head.writeUInt16BE(a.afi, 0);
    head[2] = a.safi;
    head[3] = a.nextHop.length;
    const tail = a.nlri ? [Buffer.from([0]), a.nlri.buf.subarray(a.nlri.start, a.nlri.end)] : [a.rest ?? Buffer.from([0])];
    return Buffer.concat([head, a.nextHop, ...tail]);
  },
};

export const MP_UNREACH_NLRI: AttrCodec = {
  type: AttrType.MP_UNREACH_NLRI,
  kind: 'mp-unreach',
  flags: AttrFlag.OPTIONAL,
  malformed: ErrorAction.SESSION_RESET,
  decode(span, ctx) {
    const { buf, start, end } = span;
    if (end - start < 3) throw malformedAttr(span, `MP_UNREACH_NLRI of length ${end - start}`);
    const afi = buf.readUInt16BE(start);
    const safi = buf[start + 2] as number;
    const family = familyOf(afi, safi);
    if (family < 0) {
      return { kind: 'mp-unreach', type: span.type, flags: span.flags, afi, safi, withdrawn: null, rest: Buffer.from(buf.subarray(start + 3, end)) };
    }
    return { kind: 'mp-unreach', type: span.type, flags: span.flags, afi, safi, withdrawn: nlriBlock(span, start + 3, family as Family, ctx), rest: null };
  },
  encode(a) {
    if (a.kind !== 'mp-unreach') return Buffer.alloc(0);
    const head = Buffer.alloc(3);
    head.writeUInt16BE(a.afi, 0);
    head[2] = a.safi;
    const tail = a.withdrawn ? a.withdrawn.buf.subarray(a.withdrawn.start, a.withdrawn.end) : (a.rest ?? Buffer.alloc(0));
    return Buffer.concat([head, tail]);
  },
};

/** An MP_REACH_NLRI for IPv6 unicast (or IPv4 with an RFC 8950 next hop). */
export function mpReach(family: Family, nextHop: Buffer, nlri: NlriBlock): PathAttribute {
  return {
    kind: 'mp-reach',
    type: AttrType.MP_REACH_NLRI,
    flags: AttrFlag.OPTIONAL,
    afi: family === Family.IPV4_UNICAST ? Afi.IPV4 : Afi.IPV6,
    safi: 1,
    nextHop,
    nlri,
    rest: null,
  };
}

export function mpUnreach(family: Family, withdrawn: NlriBlock): PathAttribute {
  return {
    kind: 'mp-unreach',
    type: AttrType.MP_UNREACH_NLRI,
    flags: AttrFlag.OPTIONAL,
    afi: family === Family.IPV4_UNICAST ? Afi.IPV4 : Afi.IPV6,
    safi: 1,
    withdrawn,
    rest: null,
  };
}
