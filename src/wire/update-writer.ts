import { AttrFlag, AttrType, Family, HEADER_LENGTH, MessageType, afiOf } from './constants.js';
import { writeHeader } from './header.js';
import type { PrefixBatch } from './prefix-batch.js';

/**
 * Packs prefixes into full-size UPDATEs, writing straight into caller-provided Buffers: the hot
 * export path. Path attributes arrive pre-encoded (once per attribute set), so every UPDATE costs
 * a copy of those bytes plus a few bytes per prefix. Each write* method writes one message at
 * `off` with as many prefixes from `from` as fit, sets `length` to the bytes written, and returns
 * the index of the first prefix not written. Announcements make progress whenever
 * `prefixBytes(first) <= nlriRoom(attributes)`; a caller checks that first (RFC 4271 9.2: a route
 * whose attributes leave no room for its prefix is not sent), and an announcement that would
 * carry no prefix writes nothing (`length` 0) rather than an attribute-only UPDATE.
 */
export class UpdateWriter {
  /** Bytes of the last message written. */
  length = 0;
  private readonly maxLength: number;
  private readonly addPath: number;

  constructor(maxLength: number, addPath = 0) {
    this.maxLength = maxLength;
    this.addPath = addPath;
  }

  /** Buffer size that always holds one message. */
  get bufferSize(): number {
    return this.maxLength;
  }

  /**
   * Bytes left for NLRI in a message carrying `attrsLength` bytes of attributes: for IPv4 in the
   * NLRI field (`nextHopLength` < 0), otherwise inside MP_REACH_NLRI with that next hop. Negative
   * when the attributes alone do not fit.
   */
  nlriRoom(attrsLength: number, nextHopLength = -1): number {
    // Header, Withdrawn Routes Length, Total Path Attribute Length.
    let room = this.maxLength - HEADER_LENGTH - 4 - attrsLength;
    // MP_REACH_NLRI: flags, type, 2-byte length, AFI, SAFI, next-hop length, next hop, reserved.
    if (nextHopLength >= 0) room -= 4 + 4 + nextHopLength + 1;
    return room;
  }

  /** Bytes one prefix of `length` bits takes in an NLRI field of `family`. */
  prefixBytes(family: Family, length: number): number {
    return ((this.addPath & (1 << family)) !== 0 ? 5 : 1) + ((length + 7) >>> 3);
  }

  private writePrefixes(out: Buffer, p: number, limit: number, batch: PrefixBatch, from: number, to: number): [number, number] {
    const ap = (this.addPath & (1 << batch.family)) !== 0;
    const v4 = batch.family === Family.IPV4_UNICAST;
    let i = from;
    for (; i < to; i++) {
      const len = batch.lengths[i] as number;
      const nb = (len + 7) >>> 3;
      if (p + (ap ? 5 : 1) + nb > limit) break;
      if (ap) {
        out.writeUInt32BE(batch.pathIds[i] as number, p);
        p += 4;
      }
      out[p++] = len;
      if (v4) {
        const a = batch.v4[i] as number;
        if (nb > 0) out[p] = a >>> 24;
        if (nb > 1) out[p + 1] = (a >>> 16) & 255;
        if (nb > 2) out[p + 2] = (a >>> 8) & 255;
        if (nb > 3) out[p + 3] = a & 255;
      } else {
        const base = i * 16;
        for (let k = 0; k < nb; k++) out[p + k] = batch.v6[base + k] as number;
      }
      p += nb;
    }
    return [p, i];
  }

  /**
   * IPv4 NLRI with the attribute bytes `attrs` (which must include NEXT_HOP), given as a Buffer
   * (`attrs[start, start + n)`: no view made per message) or as the same bytes in a one-byte
   * (latin1) string.
   */
  announceV4(out: Buffer, off: number, attrs: Buffer | string, batch: PrefixBatch, from: number, to: number, start = 0, n = attrs.length): number {
    if (from >= to || this.nlriRoom(n) < this.prefixBytes(batch.family, batch.lengths[from] as number)) return this.nothing(from);
    let p = off + HEADER_LENGTH;
    out.writeUInt16BE(0, p);
    out.writeUInt16BE(n, p + 2);
    copyAttrs(attrs, start, n, out, p + 4);
    p += 4 + n;
    const [end, next] = this.writePrefixes(out, p, off + this.maxLength, batch, from, to);
    this.finish(out, off, end);
    return next;
  }

  /** IPv4 withdrawals in the Withdrawn Routes field. */
  withdrawV4(out: Buffer, off: number, batch: PrefixBatch, from: number, to: number): number {
    const p = off + HEADER_LENGTH + 2;
    // Leave room for the 2-byte Total Path Attribute Length after the withdrawn routes.
    const [end, next] = this.writePrefixes(out, p, off + this.maxLength - 2, batch, from, to);
    out.writeUInt16BE(end - p, p - 2);
    out.writeUInt16BE(0, end);
    this.finish(out, off, end + 2);
    return next;
  }

  /**
   * NLRI in MP_REACH_NLRI (IPv6, or IPv4 with an RFC 8950 next hop): `attrs` are the other
   * attributes (as announceV4's), `nextHop` 4, 16 or 32 bytes.
   */
  announceMp(out: Buffer, off: number, attrs: Buffer | string, nextHop: Buffer, batch: PrefixBatch, from: number, to: number, start = 0, n = attrs.length): number {
    if (from >= to || this.nlriRoom(n, nextHop.length) < this.prefixBytes(batch.family, batch.lengths[from] as number)) return this.nothing(from);
    let p = off + HEADER_LENGTH;
    out.writeUInt16BE(0, p);
    const attrLenAt = p + 2;
    p += 4;
    copyAttrs(attrs, start, n, out, p);
    p += n;
    const mpAt = p;
    out[p] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
    out[p + 1] = AttrType.MP_REACH_NLRI;
    p += 4;
    out.writeUInt16BE(afiOf(batch.family), p);
    out[p + 2] = 1;
    out[p + 3] = nextHop.length;
    nextHop.copy(out, p + 4);
    p += 4 + nextHop.length;
    out[p++] = 0;
    const [end, next] = this.writePrefixes(out, p, off + this.maxLength, batch, from, to);
    out.writeUInt16BE(end - mpAt - 4, mpAt + 2);
    out.writeUInt16BE(end - attrLenAt - 2, attrLenAt);
    this.finish(out, off, end);
    return next;
  }

  /** Withdrawals in MP_UNREACH_NLRI. */
  withdrawMp(out: Buffer, off: number, batch: PrefixBatch, from: number, to: number): number {
    let p = off + HEADER_LENGTH;
    out.writeUInt16BE(0, p);
    const attrLenAt = p + 2;
    p += 4;
    const mpAt = p;
    out[p] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
    out[p + 1] = AttrType.MP_UNREACH_NLRI;
    p += 4;
    out.writeUInt16BE(afiOf(batch.family), p);
    out[p + 2] = 1;
    p += 3;
    const [end, next] = this.writePrefixes(out, p, off + this.maxLength, batch, from, to);
    out.writeUInt16BE(end - mpAt - 4, mpAt + 2);
    out.writeUInt16BE(end - attrLenAt - 2, attrLenAt);
    this.finish(out, off, end);
    return next;
  }

  private nothing(from: number): number {
    this.length = 0;
    return from;
  }

  private finish(out: Buffer, off: number, end: number): void {
    this.length = end - off;
    writeHeader(out, off, this.length, MessageType.UPDATE);
  }
}

/** The End-of-RIB marker of a family (RFC 4724 §2). */
export function encodeEndOfRib(family: Family): Buffer {
  if (family === Family.IPV4_UNICAST) {
    const out = Buffer.alloc(HEADER_LENGTH + 4);
    writeHeader(out, 0, out.length, MessageType.UPDATE);
    return out;
  }
  const out = Buffer.alloc(HEADER_LENGTH + 4 + 6);
  writeHeader(out, 0, out.length, MessageType.UPDATE);
  out.writeUInt16BE(6, HEADER_LENGTH + 2);
  out[HEADER_LENGTH + 4] = AttrFlag.OPTIONAL;
  out[HEADER_LENGTH + 5] = AttrType.MP_UNREACH_NLRI;
  out[HEADER_LENGTH + 6] = 3;
  out.writeUInt16BE(afiOf(family), HEADER_LENGTH + 7);
  out[HEADER_LENGTH + 9] = 1;
  return out;
}

/** `n` attribute bytes from `start` of a Buffer, or a whole one-byte string, into a message. */
function copyAttrs(attrs: Buffer | string, start: number, n: number, out: Buffer, at: number): void {
  if (typeof attrs === 'string') out.write(attrs, at, 'latin1');
  else attrs.copy(out, at, start, start + n);
}
