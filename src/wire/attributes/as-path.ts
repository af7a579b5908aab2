import { AS_TRANS, AsPathSegmentType, AttrFlag, AttrType, UpdateSubcode } from '../constants.js';
import { ErrorAction } from '../errors.js';
import { malformedAttr } from './malformed.js';
import type { AsPathSegment, AttrCodec, AttrSpan, PathAttribute } from './types.js';

function decodeSegments(span: AttrSpan, width: 2 | 4, allowConfed: boolean): AsPathSegment[] {
  const { buf, end } = span;
  const segments: AsPathSegment[] = [];
  let p = span.start;
  while (p < end) {
    if (p + 2 > end) throw malformedAttr(span, 'truncated AS_PATH segment header', UpdateSubcode.MALFORMED_AS_PATH);
    const type = buf[p] as number;
    const count = buf[p + 1] as number;
    if (type < AsPathSegmentType.AS_SET || type > AsPathSegmentType.AS_CONFED_SET) {
      throw malformedAttr(span, `unknown AS_PATH segment type ${type}`, UpdateSubcode.MALFORMED_AS_PATH);
    }
    if (count === 0) throw malformedAttr(span, 'empty AS_PATH segment', UpdateSubcode.MALFORMED_AS_PATH);
    p += 2;
    if (p + count * width > end) throw malformedAttr(span, 'AS_PATH segment overruns the attribute', UpdateSubcode.MALFORMED_AS_PATH);
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      asns[i] = width === 4 ? buf.readUInt32BE(p) : buf.readUInt16BE(p);
      p += width;
    }
    // RFC 6793 §6: confederation segments in AS4_PATH are discarded, the rest is kept.
    if (allowConfed || type <= AsPathSegmentType.AS_SEQUENCE) segments.push({ type, asns });
  }
  return segments;
}

function encodeSegments(segments: readonly AsPathSegment[], width: 2 | 4): Buffer {
  let size = 0;
  for (const s of segments) size += 2 + width * s.asns.length;
  const out = Buffer.alloc(size);
  let p = 0;
  for (const s of segments) {
    out[p] = s.type;
    out[p + 1] = s.asns.length;
    p += 2;
    for (const asn of s.asns) {
      if (width === 4) out.writeUInt32BE(asn >>> 0, p);
      else out.writeUInt16BE(asn > 0xffff ? AS_TRANS : asn, p);
      p += width;
    }
  }
  return out;
}

function segmentsOf(attr: PathAttribute): AsPathSegment[] {
  return attr.kind === 'as-path' || attr.kind === 'as4-path' ? attr.segments : [];
}

export const AS_PATH: AttrCodec = {
  type: AttrType.AS_PATH,
  kind: 'as-path',
  flags: AttrFlag.TRANSITIVE,
  malformed: ErrorAction.TREAT_AS_WITHDRAW,
  decode: (span, ctx) => ({
    kind: 'as-path',
    type: span.type,
    flags: span.flags,
    segments: decodeSegments(span, ctx.asn4 ? 4 : 2, true),
  }),
  encode: (attr, ctx) => encodeSegments(segmentsOf(attr), ctx.asn4 ? 4 : 2),
};

export const AS4_PATH: AttrCodec = {
  type: AttrType.AS4_PATH,
  kind: 'as4-path',
  flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  // RFC 6793 §6 / RFC 7606 §7.2: a malformed AS4_PATH is discarded.
  malformed: ErrorAction.ATTRIBUTE_DISCARD,
  decode: (span) => ({ kind: 'as4-path', type: span.type, flags: span.flags, segments: decodeSegments(span, 4, false) }),
  encode: (attr) => encodeSegments(segmentsOf(attr), 4),
};

/** Path length for best-path selection: AS_SET counts one, confederation segments none. */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AS_SET) n += 1;
  }
  return n;
}

/**
 * RFC 6793 §4.2.3: rebuild the true path from a 2-octet AS_PATH and an AS4_PATH. `aggregatorAs`
 * is the 2-octet AGGREGATOR's ASN (or -1) and `hasAs4Aggregator` whether AS4_AGGREGATOR came along.
 */
export function reconstructAsPath(
  asPath: readonly AsPathSegment[],
  as4Path: readonly AsPathSegment[] | null,
  aggregatorAs: number,
  hasAs4Aggregator: boolean,
): AsPathSegment[] {
  const copy = (s: readonly AsPathSegment[]) => s.map((x) => ({ type: x.type, asns: x.asns.slice() }));
  if (as4Path === null) return copy(asPath);
  // An AGGREGATOR from a NEW speaker (not AS_TRANS) means AS4_* came from elsewhere: ignore them.
  if (hasAs4Aggregator && aggregatorAs !== AS_TRANS && aggregatorAs >= 0) return copy(asPath);
  const n2 = asPathLength(asPath);
  const n4 = asPathLength(as4Path);
  if (n2 < n4) return copy(asPath);
  let keep = n2 - n4;
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (s.type === AsPathSegmentType.AS_CONFED_SEQUENCE || s.type === AsPathSegmentType.AS_CONFED_SET) {
      out.push({ type: s.type, asns: s.asns.slice() });
      continue;
    }
    if (keep === 0) break;
    if (s.type === AsPathSegmentType.AS_SET) {
      out.push({ type: s.type, asns: s.asns.slice() });
      keep -= 1;
    } else {
      const take = Math.min(keep, s.asns.length);
      out.push({ type: s.type, asns: s.asns.slice(0, take) });
      keep -= take;
    }
  }
  for (const s of as4Path) out.push({ type: s.type, asns: s.asns.slice() });
  return out;
}

/**
 * For a session without 4-octet ASNs: the AS_PATH to send (large ASNs become AS_TRANS when
 * encoded) and the AS4_PATH to send beside it, or null when every ASN fits in 2 octets.
 * Confederation segments are not carried in AS4_PATH (RFC 6793 §3).
 */
export function as4PathFor(segments: readonly AsPathSegment[]): AsPathSegment[] | null {
  if (!segments.some((s) => s.asns.some((a) => a > 0xffff))) return null;
  return segments
    .filter((s) => s.type === AsPathSegmentType.AS_SEQUENCE || s.type === AsPathSegmentType.AS_SET)
    .map((s) => ({ type: s.type, asns: s.asns.slice() }));
}
