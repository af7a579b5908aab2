/**
 * An attribute set's identity bytes, which are also the only copy of its attributes the RIB
 * keeps: a set is read back from them on demand (AttrSet.attrs) instead of holding a decoded
 * object graph for life. Layout: [format][next-hop length][next hop][path attributes], where the
 * path attributes are either as a peer sent them (format RECEIVED | asn4 | ebgp: decoded in that
 * session's context, then normalised as on arrival) or encoded by wren in 4-octet form (the other
 * formats; they only keep sets of different origins apart, and decode alike).
 */
import { encodeAttributes, decodeAttributeBlock } from '../wire/update.js';
import { makeContext, type CodecContext } from '../wire/context.js';
import { AttrFlag, AttrType } from '../wire/constants.js';
import { reconstructAsPath } from '../wire/attributes/as-path.js';
import { copyRange } from './columns.js';
import type { AsPathSegment, AttrSpan, PathAttribute } from '../wire/attributes/types.js';

export const enum KeyFormat {
  /** As received; | 1: the session had 4-octet ASNs, | 2: it was eBGP. */
  RECEIVED = 0x00,
  /** Export attributes. */
  EXPORT = 0x10,
  /** Made by import policy from a received set. */
  DERIVED = 0x11,
  /** A received set with LLGR_STALE added. */
  LLGR = 0x12,
  /** Routes this router originates. */
  LOCAL = 0x13,
}

const CANONICAL = makeContext({ asn4: true });
/** The four session contexts a received set can have been decoded in, by format. */
const RECEIVED_CTX: CodecContext[] = [0, 1, 2, 3].map((f) => makeContext({ asn4: (f & 1) !== 0, ebgp: (f & 2) !== 0 }));

function header(format: number, nextHop: Buffer): Buffer {
  const h = Buffer.allocUnsafe(2 + nextHop.length);
  h[0] = format;
  h[1] = nextHop.length;
  nextHop.copy(h, 2);
  return h;
}

/** Room for a received key: one UPDATE's attributes (65535 bytes at most, extended) and a next hop. */
export const MAX_RECEIVED_KEY = 65536 + 258;

/**
 * Write the key of a received UPDATE's attributes into `out` (MAX_RECEIVED_KEY bytes): its spans
 * as they came (MP_(UN)REACH_NLRI left out) and the MP next hop. Returns its length (no Buffer
 * view is made: this runs per UPDATE).
 */
export function writeReceivedKey(out: Buffer, asn4: boolean, ebgp: boolean, spans: readonly AttrSpan[], mpNextHop: Buffer | null): number {
  const nh = mpNextHop ?? EMPTY;
  out[0] = KeyFormat.RECEIVED | (asn4 ? 1 : 0) | (ebgp ? 2 : 0);
  out[1] = nh.length;
  let o = 2 + nh.copy(out, 2);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i] as AttrSpan;
    if (s.type !== 14 && s.type !== 15) o += copyRange(s.buf, s.header, s.end, out, o);
  }
  return o;
}

/**
 * The key of attributes wren made (export, policy, LLGR, local). An export key's attributes are in
 * type order and, with a 4-byte next hop, include NEXT_HOP: they are the bytes sent to 4-octet
 * peers (exportWire), kept once.
 */
export function canonicalKey(format: KeyFormat, attrs: readonly PathAttribute[], nextHop: Buffer): Buffer {
  let list = attrs;
  if (format === KeyFormat.EXPORT) {
    const sorted: PathAttribute[] = attrs.filter((a) => a.kind !== 'next-hop');
    if (nextHop.length === 4) sorted.push({ kind: 'next-hop', type: AttrType.NEXT_HOP, flags: AttrFlag.TRANSITIVE, nextHop: nextHop.readUInt32BE(0) });
    list = sorted.sort((x, y) => x.type - y.type);
  }
  return Buffer.concat([header(format, nextHop), encodeAttributes(list, CANONICAL)]);
}

/** The attributes of an export key as sent to 4-octet peers (a slice of the key, no copy). */
export function exportWire(key: string): string {
  return key.substring(2 + key.charCodeAt(1));
}

/**
 * Does the AS_PATH of a received key from a 4-octet session hold `asn` more than `allowed` times?
 * Read from the key's bytes, nothing decoded; null for any other key (decode it then). Such a key's
 * AS_PATH is the path as the set keeps it (no AS4_PATH to fold in).
 */
export function receivedKeyLoops(key: string, asn: number, allowed: number): boolean | null {
  if (key.length < 2) return null;
  const format = key.charCodeAt(0);
  if (format >= KeyFormat.EXPORT || (format & 1) === 0) return null;
  const end = key.length;
  let q = 2 + key.charCodeAt(1);
  while (q < end) {
    const flags = key.charCodeAt(q);
    const hdr = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;
    if (q + hdr > end) return null;
    const len = hdr === 4 ? (key.charCodeAt(q + 2) << 8) | key.charCodeAt(q + 3) : key.charCodeAt(q + 2);
    const v = q + hdr;
    if (key.charCodeAt(q + 1) !== AttrType.AS_PATH) {
      q = v + len;
      continue;
    }
    // Dropped on arrival with its flags wrong: the decoded set has no AS_PATH to loop in.
    if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== AttrFlag.TRANSITIVE || flags & AttrFlag.PARTIAL) return null;
    let n = 0;
    const want = asn >>> 0;
    for (let p = v; p + 2 <= v + len; ) {
      const count = key.charCodeAt(p + 1);
      p += 2;
      for (let i = 0; i < count && p + 4 <= v + len; i++, p += 4) {
        const a = ((key.charCodeAt(p) << 24) | (key.charCodeAt(p + 1) << 16) | (key.charCodeAt(p + 2) << 8) | key.charCodeAt(p + 3)) >>> 0;
        if (a === want && ++n > allowed) return true;
      }
    }
    return false;
  }
  return false;
}

/** The attributes a key holds (without the next hop, which the set keeps apart), as they were when the set was made. */
export function keyAttributes(key: string): PathAttribute[] {
  const buf = Buffer.from(key, 'latin1');
  if (buf.length < 2) return [];
  const format = buf[0] as number;
  const at = 2 + (buf[1] as number);
  if (format < KeyFormat.EXPORT) return normalizeReceived(decodeAttributeBlock(buf, at, buf.length, RECEIVED_CTX[format & 3] as CodecContext));
  const attrs = decodeAttributeBlock(buf, at, buf.length, CANONICAL);
  // The next hop is the set's own field (an export key carries NEXT_HOP as it is sent).
  return format === KeyFormat.EXPORT ? attrs.filter((a) => a.kind !== 'next-hop') : attrs;
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
  // Without AS4_PATH (every 4-octet session) the decoded path is the path: no copy.
  const path = as4 === null ? asPath : reconstructAsPath(asPath, as4, aggregatorAs, hasAs4Aggregator);
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
        if (path === a.segments && (a.flags & 0x10) === 0) out.push(a);
        else out.push({ kind: 'as-path', type: a.type, flags: a.flags & ~0x10, segments: path });
        continue;
      case 'aggregator':
        if (as4Agg?.kind === 'as4-aggregator' && a.asn === 23456) out.push({ ...a, asn: as4Agg.asn });
        else out.push(a);
        continue;
      default:
        out.push(a);
    }
  }
  // In type order, sorted in place (Array.prototype.sort allocates a work copy per call; a set
  // has a dozen attributes at most in practice).
  for (let i = 1; i < out.length; i++) {
    const x = out[i] as PathAttribute;
    let j = i;
    for (; j > 0 && (out[j - 1] as PathAttribute).type > x.type; j--) out[j] = out[j - 1] as PathAttribute;
    out[j] = x;
  }
  return out;
}

const EMPTY = Buffer.alloc(0);
