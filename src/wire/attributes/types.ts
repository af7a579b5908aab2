import type { ErrorAction } from '../errors.js';
import type { CodecContext } from '../context.js';
import type { NlriBlock } from '../nlri.js';

export interface AsPathSegment {
  type: number;
  asns: number[];
}

interface Base {
  /** Attribute type code. */
  type: number;
  /** Optional/Transitive/Partial/Extended-length bits as received or to be sent. */
  flags: number;
}

/** One decoded path attribute. `kind` names it; `type` is its code on the wire. */
export type PathAttribute =
  | (Base & { kind: 'origin'; origin: number })
  | (Base & { kind: 'as-path'; segments: AsPathSegment[] })
  | (Base & { kind: 'next-hop'; nextHop: number })
  | (Base & { kind: 'med'; med: number })
  | (Base & { kind: 'local-pref'; localPref: number })
  | (Base & { kind: 'atomic-aggregate' })
  | (Base & { kind: 'aggregator'; asn: number; address: number })
  | (Base & { kind: 'communities'; communities: number[] })
  | (Base & { kind: 'originator-id'; originatorId: number })
  | (Base & { kind: 'cluster-list'; clusterList: number[] })
  | (Base & MpReach)
  | (Base & MpUnreach)
  | (Base & { kind: 'extended-communities'; communities: Buffer })
  | (Base & { kind: 'as4-path'; segments: AsPathSegment[] })
  | (Base & { kind: 'as4-aggregator'; asn: number; address: number })
  | (Base & { kind: 'large-communities'; communities: number[] })
  | (Base & { kind: 'unknown'; value: Buffer });

export interface MpReach {
  kind: 'mp-reach';
  afi: number;
  safi: number;
  /** Next hop bytes: 4, 16, or 32 (global + link-local). */
  nextHop: Buffer;
  /** NLRI of a family wren carries; null for other families, whose bytes stay in `rest`. */
  nlri: NlriBlock | null;
  /** For families wren does not carry: the bytes after the next hop (reserved octet and NLRI). */
  rest: Buffer | null;
}

export interface MpUnreach {
  kind: 'mp-unreach';
  afi: number;
  safi: number;
  withdrawn: NlriBlock | null;
  rest: Buffer | null;
}

export type AttrOf<K extends PathAttribute['kind']> = Extract<PathAttribute, { kind: K }>;

/** Where one attribute sits in a message, passed to decoders so errors can quote it. */
export interface AttrSpan {
  buf: Buffer;
  /** Start of the attribute header (flags octet). */
  header: number;
  /** Start and end of the value. */
  start: number;
  end: number;
  flags: number;
  type: number;
  /** The RFC 7606 action for a malformed value of this attribute. */
  action: ErrorAction;
}

/** One row of the attribute table: everything the codec knows about one attribute type. */
export interface AttrCodec {
  type: number;
  kind: PathAttribute['kind'];
  /** The Optional and Transitive bits the attribute must carry. */
  flags: number;
  /** RFC 7606 handling of a malformed instance. */
  malformed: ErrorAction;
  decode(span: AttrSpan, ctx: CodecContext): PathAttribute;
  /** The value bytes (without the attribute header). */
  encode(attr: PathAttribute, ctx: CodecContext): Buffer;
}
