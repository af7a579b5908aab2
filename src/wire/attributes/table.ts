import { AttrFlag, AttrType } from '../constants.js';
import { ErrorAction } from '../errors.js';
import { AS4_PATH, AS_PATH } from './as-path.js';
import {
  AGGREGATOR,
  AS4_AGGREGATOR,
  ATOMIC_AGGREGATE,
  CLUSTER_LIST,
  LOCAL_PREF,
  MULTI_EXIT_DISC,
  NEXT_HOP,
  ORIGIN,
  ORIGINATOR_ID,
} from './basic.js';
import { COMMUNITIES, EXTENDED_COMMUNITIES, LARGE_COMMUNITY } from './communities.js';
import { MP_REACH_NLRI, MP_UNREACH_NLRI } from './multiprotocol.js';
import type { AttrCodec } from './types.js';

/** The attribute table: one row per attribute type wren understands, indexed by type code. */
export const ATTRIBUTE_TABLE: readonly (AttrCodec | undefined)[] = (() => {
  const rows = [
    ORIGIN,
    AS_PATH,
    NEXT_HOP,
    MULTI_EXIT_DISC,
    LOCAL_PREF,
    ATOMIC_AGGREGATE,
    AGGREGATOR,
    COMMUNITIES,
    ORIGINATOR_ID,
    CLUSTER_LIST,
    MP_REACH_NLRI,
    MP_UNREACH_NLRI,
    EXTENDED_COMMUNITIES,
    AS4_PATH,
    AS4_AGGREGATOR,
    LARGE_COMMUNITY,
  ];
  const table: (AttrCodec | undefined)[] = new Array(256).fill(undefined);
  for (const r of rows) table[r.type] = r;
  return table;
})();

/** Unrecognised optional attributes: kept as bytes and, when transitive, passed on. */
export const UNKNOWN_ATTRIBUTE: AttrCodec = {
  type: -1,
  kind: 'unknown',
  flags: AttrFlag.OPTIONAL,
  malformed: ErrorAction.ATTRIBUTE_DISCARD,
  decode: (span) => ({ kind: 'unknown', type: span.type, flags: span.flags, value: Buffer.from(span.buf.subarray(span.start, span.end)) }),
  encode: (a) => (a.kind === 'unknown' ? a.value : Buffer.alloc(0)),
};

export function codecFor(type: number): AttrCodec {
  return ATTRIBUTE_TABLE[type] ?? UNKNOWN_ATTRIBUTE;
}

export const WELL_KNOWN_MANDATORY = [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] as const;
