import { AttrFlag, AttrType, Family, HEADER_LENGTH, MessageType, UpdateSubcode } from './constants.js';
import { BgpError, ErrorAction, strongerAction, updateError } from './errors.js';
import { hasAddPath, type CodecContext } from './context.js';
import { emptyBlock, validateNlri, type NlriBlock } from './nlri.js';
import { writeHeader } from './header.js';
import { isMartianNextHop } from './attributes/basic.js';
import { attributeBytes, malformedAttr } from './attributes/malformed.js';
import { codecFor } from './attributes/table.js';
import type { AttrOf, AttrSpan, PathAttribute } from './attributes/types.js';

/**
 * A decoded UPDATE. NLRI stay as blocks over the message buffer (walk them with NlriCursor);
 * the buffer is the framer's and is only valid while the message is being processed.
 */
export interface UpdateMessage {
  buf: Buffer;
  /** The whole message, header included: `buf[start, end)` (route history records it as received). */
  start: number;
  end: number;
  /** IPv4 unicast withdrawn routes and NLRI of the UPDATE's own fields. */
  withdrawn: NlriBlock;
  nlri: NlriBlock;
  mpReach: AttrOf<'mp-reach'> | null;
  mpUnreach: AttrOf<'mp-unreach'> | null;
  /** The path attributes bytes: `buf[attrStart, attrEnd)`. */
  attrStart: number;
  attrEnd: number;
  /** Attribute positions, in wire order (duplicates already left out). */
  spans: AttrSpan[];
  /** Decoded attributes in wire order, without discarded ones; null until decodeAttributes(). */
  attributes: PathAttribute[] | null;
  /** The strongest non-fatal error (treat-as-withdraw), or null. */
  error: BgpError | null;
  /** Attributes discarded under RFC 7606 (attribute-discard). */
  discarded: BgpError[];
  /** The family this UPDATE is the End-of-RIB marker of, or -1. */
  endOfRib: Family | -1;
}


function malformedList(message: string): BgpError {
  return updateError('update.attribute-list', message, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, ErrorAction.SESSION_RESET);
}

/**
 * What one caller's scans reuse, for a caller that is done with each UPDATE before it scans the
 * next (the session reader: an UpdateMessage is only valid while it is processed anyway): the
 * message object, its two NLRI blocks and its attribute span objects. A real table's UPDATE has
 * 6-10 attributes, and those objects were a fifth of what importing it allocated.
 */
export class UpdateScratch {
  msg: UpdateMessage | null = null;
  readonly spans: AttrSpan[] = [];

  /**
   * The caller is done with the message: drop every reference into the framer's buffer, so an idle
   * session does not keep its last socket chunk alive until its next UPDATE.
   */
  release(): void {
    if (this.msg) cleared(this.msg);
    for (const s of this.spans) s.buf = NO_BYTES;
  }
}

const NO_BYTES = Buffer.alloc(0);

/** A message with nothing of its last scan: no findings, no reference into its buffer. */
function cleared(m: UpdateMessage): UpdateMessage {
  m.buf = NO_BYTES;
  m.withdrawn.buf = NO_BYTES;
  m.nlri.buf = NO_BYTES;
  m.mpReach = null;
  m.mpUnreach = null;
  m.attributes = null;
  m.error = null;
  if (m.discarded.length > 0) m.discarded = [];
  m.endOfRib = -1;
  return m;
}

/** Which attribute types were seen in the UPDATE being scanned; reused, cleared after each scan. */
const seen = new Uint8Array(256);

/**
 * Locate everything in an UPDATE (`buf[off, end)`, header included) and check what must be right
 * for the NLRI to be found: field lengths, attribute boundaries, MP_REACH/MP_UNREACH, NLRI syntax,
 * unrecognised well-known attributes. Errors that leave the session no choice are thrown as
 * BgpError; treat-as-withdraw and attribute-discard outcomes are recorded in the result.
 * Attribute values are decoded later by decodeAttributes(), only when the caller needs them.
 */
export function scanUpdate(buf: Buffer, off: number, end: number, ctx: CodecContext, scratch: UpdateScratch | null = null): UpdateMessage {
  let p = off + HEADER_LENGTH;
  const wlen = buf.readUInt16BE(p);
  p += 2;
  if (p + wlen + 2 > end) throw malformedList(`withdrawn routes length ${wlen} overruns the message`);
  const addPath4 = hasAddPath(ctx, Family.IPV4_UNICAST);
  validateNlri(buf, p, p + wlen, Family.IPV4_UNICAST, addPath4, ErrorAction.SESSION_RESET);
  const wstart = p;
  p += wlen;
  const alen = buf.readUInt16BE(p);
  p += 2;
  if (p + alen > end) throw malformedList(`total path attribute length ${alen} overruns the message`);
  const attrStart = p;
  const attrEnd = p + alen;
  validateNlri(buf, attrEnd, end, Family.IPV4_UNICAST, addPath4, ErrorAction.SESSION_RESET);

  const msg: UpdateMessage = scratch?.msg ? reused(cleared(scratch.msg), buf, off, end, attrStart, attrEnd, wstart, wlen, addPath4) : {
    buf,
    start: off,
    end,
    withdrawn: { buf, start: wstart, end: wstart + wlen, family: Family.IPV4_UNICAST, addPath: addPath4 },
    nlri: { buf, start: attrEnd, end, family: Family.IPV4_UNICAST, addPath: addPath4 },
    mpReach: null,
    mpUnreach: null,
    attrStart,
    attrEnd,
    spans: [],
    attributes: null,
    error: null,
    discarded: [],
    endOfRib: -1,
  };
  if (scratch) scratch.msg = msg;
  try {
    walkAttributes(msg, ctx, scratch?.spans ?? null);
  } finally {
    for (const s of msg.spans) seen[s.type] = 0;
  }
  if (wlen === 0 && alen === 0 && end === attrEnd) msg.endOfRib = Family.IPV4_UNICAST;
  else if (
    wlen === 0 &&
    end === attrEnd &&
    msg.spans.length === 1 &&
    msg.mpUnreach?.withdrawn &&
    msg.mpUnreach.withdrawn.start === msg.mpUnreach.withdrawn.end
  ) {
    msg.endOfRib = msg.mpUnreach.withdrawn.family;
  }
  return msg;
}

/** A cleared scratch message set up for the next scan: every field as a new message has it. */
function reused(m: UpdateMessage, buf: Buffer, start: number, end: number, attrStart: number, attrEnd: number, wstart: number, wlen: number, addPath: boolean): UpdateMessage {
  m.buf = buf;
  m.start = start;
  m.end = end;
  m.attrStart = attrStart;
  m.attrEnd = attrEnd;
  // Emptied by pop, not `length = 0`: V8 gives an array's backing store up when its length is set
  // to 0, so every UPDATE grew a new one again (29 MB of young garbage over the internet table).
  const spans = m.spans;
  while (spans.length > 0) spans.pop();
  setBlock(m.withdrawn, buf, wstart, wstart + wlen, addPath);
  setBlock(m.nlri, buf, attrEnd, end, addPath);
  return m;
}

function setBlock(b: NlriBlock, buf: Buffer, start: number, end: number, addPath: boolean): void {
  b.buf = buf;
  b.start = start;
  b.end = end;
  b.addPath = addPath;
}

function walkAttributes(msg: UpdateMessage, ctx: CodecContext, pool: AttrSpan[] | null): void {
  const { buf, attrEnd } = msg;
  let q = msg.attrStart;
  let taken = 0;
  while (q < attrEnd) {
    const flags = (buf[q] as number) & 0xf0;
    const hdr = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;
    if (q + hdr > attrEnd) {
      // RFC 7606 §4: too few bytes left for an attribute header; the NLRI are still found
      // through the Total Path Attribute Length, so the UPDATE is treated as a withdraw.
      setError(msg, malformedList('path attribute header truncated').withAction(ErrorAction.TREAT_AS_WITHDRAW));
      break;
    }
    const type = buf[q + 1] as number;
    const len = hdr === 4 ? buf.readUInt16BE(q + 2) : (buf[q + 2] as number);
    const vstart = q + hdr;
    const vend = vstart + len;
    if (vend > attrEnd) {
      setError(
        msg,
        updateError(
          'update.attribute-overrun',
          `attribute ${type} of length ${len} overruns the path attributes`,
          UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
          ErrorAction.TREAT_AS_WITHDRAW,
          Buffer.from(buf.subarray(q, attrEnd)),
          type,
        ),
      );
      break;
    }
    const codec = codecFor(type);
    let span: AttrSpan;
    if (pool !== null && taken < pool.length) {
      span = pool[taken] as AttrSpan;
      span.buf = buf;
      span.header = q;
      span.start = vstart;
      span.end = vend;
      span.flags = flags;
      span.type = type;
      span.action = codec.malformed;
    } else {
      span = { buf, header: q, start: vstart, end: vend, flags, type, action: codec.malformed };
      if (pool !== null && pool.length < 256) pool.push(span);
    }
    taken++;
    q = vend;
    if (seen[type]) {
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        throw malformedList(`attribute ${type} appears twice`);
      }
      // RFC 7606 §3(g): all but the first occurrence are discarded.
      msg.discarded.push(malformedAttr(span, `duplicate attribute ${type}`, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, ErrorAction.ATTRIBUTE_DISCARD));
      continue;
    }
    seen[type] = 1;
    msg.spans.push(span);
    if (codec.kind === 'unknown' && (flags & AttrFlag.OPTIONAL) === 0) {
      throw updateError(
        'update.unrecognized-well-known',
        `unrecognized well-known attribute ${type}`,
        UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
        ErrorAction.SESSION_RESET,
        attributeBytes(span),
        type,
      );
    }
    if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
      if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== AttrFlag.OPTIONAL) {
        throw malformedAttr(span, `attribute ${type} with flags 0x${flags.toString(16)}`, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR);
      }
      const attr = codec.decode(span, ctx);
      if (attr.kind === 'mp-reach') {
        msg.mpReach = attr;
      } else if (attr.kind === 'mp-unreach') {
        msg.mpUnreach = attr;
      }
    }
  }
}

function setError(msg: UpdateMessage, err: BgpError): void {
  if (err.action === ErrorAction.ATTRIBUTE_DISCARD) {
    msg.discarded.push(err);
    return;
  }
  if (msg.error === null || strongerAction(err.action, msg.error.action) !== msg.error.action) msg.error = err;
}

/** True when the UPDATE announces anything: IPv4 NLRI or MP_REACH NLRI. */
export function announces(msg: UpdateMessage): boolean {
  return msg.nlri.end > msg.nlri.start || (msg.mpReach?.nlri != null && msg.mpReach.nlri.end > msg.mpReach.nlri.start);
}

/**
 * Decode the attribute values of a scanned UPDATE and apply RFC 7606: flag errors, malformed
 * values, missing well-known attributes. Returns the attributes kept (also stored on `msg`).
 */
export function decodeAttributes(msg: UpdateMessage, ctx: CodecContext): PathAttribute[] {
  if (msg.attributes) return msg.attributes;
  const out: PathAttribute[] = [];
  let have = 0; // bit per mandatory attribute seen
  for (const span of msg.spans) {
    if (span.type === AttrType.MP_REACH_NLRI && msg.mpReach) {
      out.push(msg.mpReach);
      continue;
    }
    if (span.type === AttrType.MP_UNREACH_NLRI && msg.mpUnreach) {
      out.push(msg.mpUnreach);
      continue;
    }
    const attr = decodeSpan(span, ctx, msg);
    if (!attr) continue;
    if (span.type <= AttrType.NEXT_HOP) have |= 1 << span.type;
    out.push(attr);
  }
  msg.attributes = out;
  if (announces(msg)) {
    const needNextHop = msg.nlri.end > msg.nlri.start;
    for (const t of [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP]) {
      if (t === AttrType.NEXT_HOP && !needNextHop) continue;
      if (have & (1 << t)) continue;
      // An attribute present but malformed already set a stronger or equal error.
      setError(
        msg,
        updateError('update.missing-well-known', `missing well-known attribute ${t}`, UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE, ErrorAction.TREAT_AS_WITHDRAW, Buffer.from([t]), t),
      );
    }
    if (needNextHop) {
      const nh = out.find((a) => a.kind === 'next-hop');
      if (nh?.kind === 'next-hop' && isMartianNextHop(nh.nextHop)) {
        const span = msg.spans.find((s) => s.type === AttrType.NEXT_HOP);
        if (span) setError(msg, malformedAttr(span, 'NEXT_HOP is not a host address', UpdateSubcode.INVALID_NEXT_HOP));
      }
    }
  }
  return out;
}

/**
 * One attribute's value, as a received UPDATE's attributes are decoded: null for one that is
 * dropped (flags wrong or value malformed: the error goes to `msg`, if given; LOCAL_PREF from an
 * external peer; AS4_PATH/AS4_AGGREGATOR between 4-octet speakers).
 */
function decodeSpan(span: AttrSpan, ctx: CodecContext, msg: UpdateMessage | null): PathAttribute | null {
  const codec = codecFor(span.type);
  if (codec.kind !== 'unknown') {
    const ot = span.flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE);
    const partialForbidden = (span.flags & AttrFlag.OPTIONAL) === 0 || (span.flags & AttrFlag.TRANSITIVE) === 0;
    if (ot !== codec.flags || (partialForbidden && span.flags & AttrFlag.PARTIAL)) {
      if (msg) setError(msg, malformedAttr(span, `attribute ${span.type} with flags 0x${span.flags.toString(16)}`, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR));
      return null;
    }
  }
  // RFC 7606 §7.5: LOCAL_PREF from an external peer is ignored. RFC 6793 §4.1: a 4-octet
  // speaker ignores AS4_PATH/AS4_AGGREGATOR from another 4-octet speaker.
  if (span.type === AttrType.LOCAL_PREF && ctx.ebgp) return null;
  if ((span.type === AttrType.AS4_PATH || span.type === AttrType.AS4_AGGREGATOR) && ctx.asn4) return null;
  try {
    return codec.decode(span, ctx);
  } catch (err) {
    if (!(err instanceof BgpError)) throw err;
    if (msg) setError(msg, err);
    return null;
  }
}

/**
 * The attributes of a path attributes field already checked once (`buf[start, end)`, as an
 * UPDATE carried it, without MP_(UN)REACH_NLRI), decoded again as decodeAttributes() decoded them
 * then: what it dropped is dropped again, silently. Attribute sets kept as their bytes are read
 * back with this.
 */
export function decodeAttributeBlock(buf: Buffer, start: number, end: number, ctx: CodecContext): PathAttribute[] {
  const out: PathAttribute[] = [];
  let q = start;
  while (q < end) {
    const flags = (buf[q] as number) & 0xf0;
    const hdr = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;
    if (q + hdr > end) break;
    const type = buf[q + 1] as number;
    const vstart = q + hdr;
    const vend = vstart + (hdr === 4 ? buf.readUInt16BE(q + 2) : (buf[q + 2] as number));
    if (vend > end) break;
    const codec = codecFor(type);
    const attr = decodeSpan({ buf, header: q, start: vstart, end: vend, flags, type, action: codec.malformed }, ctx, null);
    if (attr) out.push(attr);
    q = vend;
  }
  return out;
}

/** Scan and fully decode an UPDATE. */
export function decodeUpdate(buf: Buffer, off: number, end: number, ctx: CodecContext): UpdateMessage {
  const msg = scanUpdate(buf, off, end, ctx);
  decodeAttributes(msg, ctx);
  return msg;
}

const AFI_SAFI_ATTRS = new Set([AttrType.MP_REACH_NLRI, AttrType.MP_UNREACH_NLRI]);

/** Bytes of one attribute, header included; extended length when the value needs it or `flags` says so. */
export function encodeAttribute(attr: PathAttribute, ctx: CodecContext): Buffer {
  const value = codecFor(attr.type).encode(attr, ctx);
  let flags = attr.flags & 0xf0;
  if (value.length > 255) flags |= AttrFlag.EXTENDED_LENGTH;
  const hdr = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;
  const out = Buffer.allocUnsafe(hdr + value.length);
  out[0] = flags;
  out[1] = attr.type;
  if (hdr === 4) out.writeUInt16BE(value.length, 2);
  else out[2] = value.length;
  value.copy(out, hdr);
  return out;
}

/** The path attributes field for `attrs`, in the order given. */
export function encodeAttributes(attrs: readonly PathAttribute[], ctx: CodecContext): Buffer {
  return Buffer.concat(attrs.map((a) => encodeAttribute(a, ctx)));
}

/** The path attributes except MP_(UN)REACH_NLRI: the part of a path that update groups share. */
export function encodePathAttributes(attrs: readonly PathAttribute[], ctx: CodecContext): Buffer {
  return encodeAttributes(attrs.filter((a) => !AFI_SAFI_ATTRS.has(a.type as 14 | 15)), ctx);
}

export interface UpdateSpec {
  withdrawn?: NlriBlock;
  attributes: readonly PathAttribute[];
  nlri?: NlriBlock;
}

/** Encode one UPDATE. Throws RangeError when it does not fit the session's message size. */
export function encodeUpdate(spec: UpdateSpec, ctx: CodecContext): Buffer {
  const w = spec.withdrawn ?? emptyBlock(Family.IPV4_UNICAST);
  const n = spec.nlri ?? emptyBlock(Family.IPV4_UNICAST);
  const attrs = encodeAttributes(spec.attributes, ctx);
  const wlen = w.end - w.start;
  const length = HEADER_LENGTH + 2 + wlen + 2 + attrs.length + (n.end - n.start);
  if (length > (ctx.extendedMessage ? 65535 : 4096)) throw new RangeError(`UPDATE of ${length} bytes does not fit`);
  const out = Buffer.allocUnsafe(length);
  writeHeader(out, 0, length, MessageType.UPDATE);
  let p = HEADER_LENGTH;
  out.writeUInt16BE(wlen, p);
  w.buf.copy(out, p + 2, w.start, w.end);
  p += 2 + wlen;
  out.writeUInt16BE(attrs.length, p);
  attrs.copy(out, p + 2);
  p += 2 + attrs.length;
  n.buf.copy(out, p, n.start, n.end);
  return out;
}
