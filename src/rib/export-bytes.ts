/**
 * The export rules of export-rules.ts for the case that carries a table, worked on a set's key
 * bytes instead of decoded attributes: a path going to iBGP peers (reflected or not) without an
 * export policy, from a set in 4-octet form. The attribute values are copied as they are; only
 * headers are written anew, and LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST added as the rules
 * say. The result is the same key exportSet's object path builds (the unit test compares them on
 * every kind of set) and the export set's fields, worked out from the source set's, so nothing is
 * decoded and no attribute object is made. Anything else (eBGP, 2-octet sets, a policy, an
 * attribute the rules would rewrite) returns null, and the object path does it.
 */
import { AttrFlag, AttrType } from '../wire/constants.js';
import { codecFor } from '../wire/attributes/table.js';
import { KeyFormat } from './attr-key.js';
import { copyRange } from './columns.js';
import { DEFAULT_LOCAL_PREF, blankFields, type AttrFields, type AttrSet } from './attr-set.js';

/** A key is at most one UPDATE's attributes (extended messages: 65535 bytes) and a next hop; room for what is added. */
const IN = Buffer.allocUnsafe(2 * 65536 + 1024);
const OUT = Buffer.allocUnsafe(2 * 65536 + 1024);
/** The attributes kept, in input order: type, value start (in IN) and length, flags. */
const pType = new Int32Array(256);
const pStart = new Int32Array(256);
const pLen = new Int32Array(256);
const pFlags = new Int32Array(256);
const order = new Int32Array(256);

export interface ByteExport {
  /** The export key: `key[keyStart, keyStart + keyLength)` of a shared buffer or the caller's (copy what is kept; no view is made per call). */
  key: Buffer;
  keyStart: number;
  keyLength: number;
  fields: AttrFields;
}

/**
 * Bytes ibgpExportBytes may write for `from`: its key, the next hop, and what the rules add (three
 * attributes of at most 11 bytes, the cluster id, and a longer header for each attribute that
 * grows past 255 bytes).
 */
export function exportBytesBound(from: AttrSet, nextHop: Buffer): number {
  return from.key.length + nextHop.length + 64 + 256;
}

/**
 * What ibgpExportBytes answers: one object, filled again by every call (as the key buffer is
 * shared; the AttrSet made from it copies the fields). Use it before the next call.
 */
const RESULT: ByteExport = { key: OUT, keyStart: 0, keyLength: 0, fields: blankFields() };

/**
 * The export key and fields of `from` towards iBGP peers, with next hop `nextHop` (valid until
 * the next call), or null when the object path must do it. `reflect`: the path came from an iBGP
 * peer, whose BGP identifier is `routerId` (the ORIGINATOR_ID when the set has none); `clusterId`
 * is ours when we reflect. The key is written to `out` from `outAt` (a buffer of this module's by
 * default), which must have room for exportBytesBound(from, nextHop) bytes there.
 */
export function ibgpExportBytes(from: AttrSet, reflect: boolean, routerId: number, clusterId: number | null, nextHop: Buffer, out: Buffer = OUT, outAt = 0): ByteExport | null {
  if (from.key.length < 2 || from.key.length > 65536 + 258) return null;
  const keyLen = IN.write(from.key, 0, 'latin1');
  const format = IN[0] as number;
  const received = format < KeyFormat.EXPORT;
  // 2-octet sets need their AS_PATH rebuilt: the object path does that.
  if (received && (format & 1) === 0) return null;
  const ebgpReceived = received && (format & 2) !== 0;
  if (reflect && clusterId === null) return null;
  let n = 0;
  let clusterStart = -1;
  let clusterLen = 0;
  let seen = 0; // bit 0: ORIGIN, bit 1: AS_PATH, bit 2: LOCAL_PREF
  let q = 2 + (IN[1] as number);
  while (q < keyLen) {
    let flags = (IN[q] as number) & 0xf0;
    const hdr = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;
    if (q + hdr > keyLen) return null;
    const type = IN[q + 1] as number;
    const len = hdr === 4 ? IN.readUInt16BE(q + 2) : (IN[q + 2] as number);
    const v = q + hdr;
    q = v + len;
    if (q > keyLen) return null;
    const codec = codecFor(type);
    if (received) {
      // As decodeAttributes dropped them on arrival (update.ts decodeSpan).
      if (type === AttrType.NEXT_HOP || type === AttrType.AS4_PATH || type === AttrType.AS4_AGGREGATOR) continue;
      if (type === AttrType.LOCAL_PREF && ebgpReceived) continue;
      if (codec.kind !== 'unknown') {
        const ot = flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE);
        const partialForbidden = (flags & AttrFlag.OPTIONAL) === 0 || (flags & AttrFlag.TRANSITIVE) === 0;
        if (ot !== codec.flags || (partialForbidden && flags & AttrFlag.PARTIAL)) continue;
      }
      // The attributes RFC 7606 discards when malformed (the others stop a set being made).
      if (type === AttrType.ATOMIC_AGGREGATE && len !== 0) continue;
      if (type === AttrType.AGGREGATOR && len !== 8) continue;
      if (type === AttrType.AS_PATH) flags &= ~AttrFlag.EXTENDED_LENGTH;
    } else if (type === AttrType.NEXT_HOP || type === AttrType.AS4_PATH || type === AttrType.AS4_AGGREGATOR || type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
      return null;
    }
    if (type === AttrType.ORIGINATOR_ID) continue;
    if (type === AttrType.CLUSTER_LIST) {
      clusterStart = v;
      clusterLen = len;
      continue;
    }
    if (codec.kind === 'unknown') {
      if ((flags & AttrFlag.TRANSITIVE) === 0) continue;
      flags |= AttrFlag.PARTIAL;
    }
    if (type === AttrType.ORIGIN) seen |= 1;
    else if (type === AttrType.AS_PATH) seen |= 2;
    else if (type === AttrType.LOCAL_PREF) seen |= 4;
    pType[n] = type;
    pStart[n] = v;
    pLen[n] = len;
    pFlags[n] = flags;
    n++;
  }
  if ((seen & 3) !== 3) return null;
  // What the rules add, written behind the key in IN.
  let g = keyLen;
  if ((seen & 4) === 0) {
    IN.writeUInt32BE(from.localPref >= 0 ? from.localPref : DEFAULT_LOCAL_PREF, g);
    add(n++, AttrType.LOCAL_PREF, AttrFlag.TRANSITIVE, g, 4);
    g += 4;
  }
  if (nextHop.length === 4) {
    // Export keys carry NEXT_HOP as it is sent (attr-key.ts canonicalKey).
    nextHop.copy(IN, g);
    add(n++, AttrType.NEXT_HOP, AttrFlag.TRANSITIVE, g, 4);
    g += 4;
  }
  if (reflect) {
    IN.writeUInt32BE((from.originatorId >= 0 ? from.originatorId : routerId) >>> 0, g);
    add(n++, AttrType.ORIGINATOR_ID, AttrFlag.OPTIONAL, g, 4);
    g += 4;
    const at = g;
    IN.writeUInt32BE((clusterId as number) >>> 0, g);
    g += 4;
    if (clusterStart >= 0) {
      copyRange(IN, clusterStart, clusterStart + clusterLen, IN, g);
      g += clusterLen;
    }
    add(n++, AttrType.CLUSTER_LIST, AttrFlag.OPTIONAL, at, g - at);
  }
  // In type order (the object path sorts its list the same way; types are unique).
  for (let i = 0; i < n; i++) {
    let j = i;
    while (j > 0 && (pType[order[j - 1] as number] as number) > (pType[i] as number)) {
      order[j] = order[j - 1] as number;
      j--;
    }
    order[j] = i;
  }
  out[outAt] = KeyFormat.EXPORT;
  out[outAt + 1] = nextHop.length;
  nextHop.copy(out, outAt + 2);
  let o = outAt + 2 + nextHop.length;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const len = pLen[i] as number;
    let flags = pFlags[i] as number;
    if (len > 255) flags |= AttrFlag.EXTENDED_LENGTH;
    out[o] = flags;
    out[o + 1] = pType[i] as number;
    if (flags & AttrFlag.EXTENDED_LENGTH) {
      out.writeUInt16BE(len, o + 2);
      o += 4;
    } else {
      out[o + 2] = len;
      o += 3;
    }
    copyRange(IN, pStart[i] as number, (pStart[i] as number) + len, out, o);
    o += len;
  }
  const f = RESULT.fields;
  f.origin = from.origin;
  f.pathLength = from.pathLength;
  f.neighborAs = from.neighborAs;
  f.localPref = from.localPref >= 0 ? from.localPref : DEFAULT_LOCAL_PREF;
  f.med = from.med;
  f.originatorId = reflect ? (from.originatorId >= 0 ? from.originatorId : routerId) : -1;
  f.clusterLength = reflect ? from.clusterLength + 1 : 0;
  f.llgrStale = from.llgrStale;
  f.noLlgr = from.noLlgr;
  RESULT.key = out;
  RESULT.keyStart = outAt;
  RESULT.keyLength = o - outAt;
  return RESULT;
}

function add(i: number, type: number, flags: number, start: number, len: number): void {
  pType[i] = type;
  pStart[i] = start;
  pLen[i] = len;
  pFlags[i] = flags;
}

