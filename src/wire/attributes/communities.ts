/** RFC 1997 communities, RFC 4360 extended communities, RFC 8092 large communities. */
import { AttrFlag, AttrType } from '../constants.js';
import { ErrorAction } from '../errors.js';
import { expectMultiple, readU32List, u32List } from './malformed.js';
import type { AttrCodec } from './types.js';

const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;

export const COMMUNITIES: AttrCodec = {
  type: AttrType.COMMUNITIES,
  kind: 'communities',
  flags: OPTIONAL_TRANSITIVE,
  malformed: ErrorAction.TREAT_AS_WITHDRAW,
  decode(span) {
    expectMultiple(span, 'COMMUNITIES', 4, false);
    return { kind: 'communities', type: span.type, flags: span.flags, communities: readU32List(span) };
  },
  encode: (a) => u32List(a.kind === 'communities' ? a.communities : []),
};

export const EXTENDED_COMMUNITIES: AttrCodec = {
  type: AttrType.EXTENDED_COMMUNITIES,
  kind: 'extended-communities',
  flags: OPTIONAL_TRANSITIVE,
  malformed: ErrorAction.TREAT_AS_WITHDRAW,
  decode(span) {
    expectMultiple(span, 'EXTENDED_COMMUNITIES', 8, false);
    return {
      kind: 'extended-communities',
      type: span.type,
      flags: span.flags,
      communities: Buffer.from(span.buf.subarray(span.start, span.end)),
    };
  },
  encode: (a) => (a.kind === 'extended-communities' ? a.communities : Buffer.alloc(0)),
};

export const LARGE_COMMUNITY: AttrCodec = {
  type: AttrType.LARGE_COMMUNITY,
  kind: 'large-communities',
  flags: OPTIONAL_TRANSITIVE,
  malformed: ErrorAction.TREAT_AS_WITHDRAW,
  decode(span) {
    expectMultiple(span, 'LARGE_COMMUNITY', 12, false);
    return { kind: 'large-communities', type: span.type, flags: span.flags, communities: readU32List(span) };
  },
  encode: (a) => u32List(a.kind === 'large-communities' ? a.communities : []),
};

/** Well-known communities (RFC 1997, RFC 7999, RFC 8326). */
export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NO_PEER: 0xffffff04,
} as const;

export function communityToString(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`;
}

/** "rt:64512:100" for the common two-octet-AS route target/origin, hex otherwise. */
export function extendedCommunityToString(b: Buffer, off: number): string {
  const type = b[off] as number;
  const sub = b[off + 1] as number;
  if (type === 0x00 && (sub === 0x02 || sub === 0x03)) {
    return `${sub === 0x02 ? 'rt' : 'ro'}:${b.readUInt16BE(off + 2)}:${b.readUInt32BE(off + 4)}`;
  }
  if (type === 0x02 && (sub === 0x02 || sub === 0x03)) {
    return `${sub === 0x02 ? 'rt' : 'ro'}:${b.readUInt32BE(off + 2)}:${b.readUInt16BE(off + 6)}`;
  }
  return b.toString('hex', off, off + 8);
}
