/** The RFC 4271 attributes besides AS_PATH, and the RFC 4456 reflection attributes. */
import { AttrFlag, AttrType, Origin, UpdateSubcode } from '../constants.js';
import { ErrorAction } from '../errors.js';
import { expectLength, expectMultiple, malformedAttr, readU32List, u32, u32List } from './malformed.js';
import type { AttrCodec, AttrOf, PathAttribute } from './types.js';

const WELL_KNOWN = AttrFlag.TRANSITIVE;
const OPTIONAL = AttrFlag.OPTIONAL;
const EMPTY = Buffer.alloc(0);

export const ORIGIN: AttrCodec = {
  type: AttrType.ORIGIN,
  kind: 'origin',
  flags: WELL_KNOWN,
  malformed: ErrorAction.TREAT_AS_WITHDRAW,
  decode(span) {
    expectLength(span, 'ORIGIN', 1);
    const origin = span.buf[span.start] as number;
    if (origin > Origin.INCOMPLETE) throw malformedAttr(span, `invalid ORIGIN ${origin}`, UpdateSubcode.INVALID_ORIGIN);
    return { kind: 'origin', type: span.type, flags: span.flags, origin };
  },
  encode: (a) => Buffer.from([a.kind === 'origin' ? a.origin : 0]),
};

/** 0.0.0.0/8, multicast, and class E (including broadcast) are never host addresses. */
export function isMartianNextHop(v: number): boolean {
  return v >>> 24 === 0 || v >>> 28 >= 0xe;
}

type U32Kind = 'next-hop' | 'med' | 'local-pref' | 'originator-id';

/**
 * Row for an attribute whose value is one 32-bit number (the field named after the kind). `make`
 * writes its object literal out in full: a spread of a base object gave every decoded attribute a
 * hidden class of its own in V8 (some 200 bytes per interned set).
 */
function u32Attribute<K extends U32Kind>(type: number, kind: K, name: string, flags: number, read: (a: AttrOf<K>) => number, make: (base: { type: number; flags: number }, v: number) => AttrOf<K>): AttrCodec {
  return {
    type,
    kind,
    flags,
    malformed: ErrorAction.TREAT_AS_WITHDRAW,
    decode(span) {
      expectLength(span, name, 4);
      return make({ type: span.type, flags: span.flags }, span.buf.readUInt32BE(span.start));
    },
    encode: (a) => u32(a.kind === kind ? read(a as AttrOf<K>) : 0),
  };
}

export const NEXT_HOP = u32Attribute(AttrType.NEXT_HOP, 'next-hop', 'NEXT_HOP', WELL_KNOWN, (a) => a.nextHop, (b, v) => ({ kind: 'next-hop', type: b.type, flags: b.flags, nextHop: v }));
export const MULTI_EXIT_DISC = u32Attribute(AttrType.MULTI_EXIT_DISC, 'med', 'MULTI_EXIT_DISC', OPTIONAL, (a) => a.med, (b, v) => ({ kind: 'med', type: b.type, flags: b.flags, med: v }));
export const LOCAL_PREF = u32Attribute(AttrType.LOCAL_PREF, 'local-pref', 'LOCAL_PREF', WELL_KNOWN, (a) => a.localPref, (b, v) => ({ kind: 'local-pref', type: b.type, flags: b.flags, localPref: v }));

export const ATOMIC_AGGREGATE: AttrCodec = {
  type: AttrType.ATOMIC_AGGREGATE,
  kind: 'atomic-aggregate',
  flags: WELL_KNOWN,
  malformed: ErrorAction.ATTRIBUTE_DISCARD,
  decode(span) {
    expectLength(span, 'ATOMIC_AGGREGATE', 0);
    return { kind: 'atomic-aggregate', type: span.type, flags: span.flags };
  },
  encode: () => EMPTY,
};

function aggregatorValue(a: PathAttribute, width: 2 | 4): Buffer {
  const asn = a.kind === 'aggregator' || a.kind === 'as4-aggregator' ? a.asn : 0;
  const address = a.kind === 'aggregator' || a.kind === 'as4-aggregator' ? a.address : 0;
  const b = Buffer.alloc(width + 4);
  if (width === 4) b.writeUInt32BE(asn >>> 0, 0);
  else b.writeUInt16BE(asn > 0xffff ? 23456 : asn, 0);
  b.writeUInt32BE(address >>> 0, width);
  return b;
}

export const AGGREGATOR: AttrCodec = {
  type: AttrType.AGGREGATOR,
  kind: 'aggregator',
  flags: OPTIONAL | AttrFlag.TRANSITIVE,
  malformed: ErrorAction.ATTRIBUTE_DISCARD,
  decode(span, ctx) {
    const width = ctx.asn4 ? 4 : 2;
    expectLength(span, 'AGGREGATOR', width + 4);
    const { buf, start } = span;
    const asn = width === 4 ? buf.readUInt32BE(start) : buf.readUInt16BE(start);
    return { kind: 'aggregator', type: span.type, flags: span.flags, asn, address: buf.readUInt32BE(start + width) };
  },
  encode: (a, ctx) => aggregatorValue(a, ctx.asn4 ? 4 : 2),
};

export const AS4_AGGREGATOR: AttrCodec = {
  type: AttrType.AS4_AGGREGATOR,
  kind: 'as4-aggregator',
  flags: OPTIONAL | AttrFlag.TRANSITIVE,
  malformed: ErrorAction.ATTRIBUTE_DISCARD,
  decode(span) {
    expectLength(span, 'AS4_AGGREGATOR', 8);
    const { buf, start } = span;
    return { kind: 'as4-aggregator', type: span.type, flags: span.flags, asn: buf.readUInt32BE(start), address: buf.readUInt32BE(start + 4) };
  },
  encode: (a) => aggregatorValue(a, 4),
};

export const ORIGINATOR_ID = u32Attribute(AttrType.ORIGINATOR_ID, 'originator-id', 'ORIGINATOR_ID', OPTIONAL, (a) => a.originatorId, (b, v) => ({ kind: 'originator-id', type: b.type, flags: b.flags, originatorId: v }));

export const CLUSTER_LIST: AttrCodec = {
  type: AttrType.CLUSTER_LIST,
  kind: 'cluster-list',
  flags: OPTIONAL,
  malformed: ErrorAction.TREAT_AS_WITHDRAW,
  decode(span) {
    expectMultiple(span, 'CLUSTER_LIST', 4, false);
    return { kind: 'cluster-list', type: span.type, flags: span.flags, clusterList: readU32List(span) };
  },
  encode: (a) => u32List(a.kind === 'cluster-list' ? a.clusterList : []),
};
