/** BGP protocol numbers (RFC 4271 and the RFCs named beside each group). */

export const MARKER_LENGTH = 16;
export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 extended messages. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
export const BGP_VERSION = 4;
/** RFC 6793: the 2-octet stand-in for a 4-octet ASN. */
export const AS_TRANS = 23456;

export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const Afi = { IPV4: 1, IPV6: 2 } as const;
export type Afi = (typeof Afi)[keyof typeof Afi];
export const Safi = { UNICAST: 1 } as const;

/** The address families wren carries, as small integers usable as bit positions. */
export const Family = { IPV4_UNICAST: 0, IPV6_UNICAST: 1 } as const;
export type Family = (typeof Family)[keyof typeof Family];
export const FAMILY_NAMES: readonly string[] = ['ipv4', 'ipv6'];
/** Every family wren carries, as a bit mask of (1 << Family). */
export const ALL_FAMILIES = (1 << Family.IPV4_UNICAST) | (1 << Family.IPV6_UNICAST);

/** The names of the families in a bit mask of (1 << Family), in family order. */
export function familyNames(mask: number): string[] {
  return FAMILY_NAMES.filter((_, f) => mask & (1 << f));
}

export function familyOf(afi: number, safi: number): Family | -1 {
  if (safi !== Safi.UNICAST) return -1;
  if (afi === Afi.IPV4) return Family.IPV4_UNICAST;
  if (afi === Afi.IPV6) return Family.IPV6_UNICAST;
  return -1;
}
export function afiOf(family: Family): Afi {
  return family === Family.IPV4_UNICAST ? Afi.IPV4 : Afi.IPV6;
}

export const OptionalParameter = { CAPABILITIES: 2, EXTENDED_LENGTH: 255 } as const;

export const CapabilityCode = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_NEXT_HOP: 5,
  EXTENDED_MESSAGE: 6,
  GRACEFUL_RESTART: 64,
  FOUR_OCTET_AS: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
  LONG_LIVED_GRACEFUL_RESTART: 71,
  FQDN: 73,
} as const;

export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITY: 32,
} as const;

export const Origin = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;

export const AsPathSegmentType = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3,
  AS_CONFED_SET: 4,
} as const;

/** NOTIFICATION error codes (RFC 4271 §4.5) and subcodes. */
export const ErrorCode = {
  MESSAGE_HEADER: 1,
  OPEN_MESSAGE: 2,
  UPDATE_MESSAGE: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM: 5,
  CEASE: 6,
  ROUTE_REFRESH: 7,
} as const;

export const HeaderSubcode = {
  CONNECTION_NOT_SYNCHRONIZED: 1,
  BAD_MESSAGE_LENGTH: 2,
  BAD_MESSAGE_TYPE: 3,
} as const;

export const OpenSubcode = {
  UNSUPPORTED_VERSION: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7,
} as const;

export const UpdateSubcode = {
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2,
  MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4,
  ATTRIBUTE_LENGTH_ERROR: 5,
  INVALID_ORIGIN: 6,
  INVALID_NEXT_HOP: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const;

/** RFC 6608 FSM error subcodes. */
export const FsmSubcode = {
  UNSPECIFIED: 0,
  UNEXPECTED_IN_OPENSENT: 1,
  UNEXPECTED_IN_OPENCONFIRM: 2,
  UNEXPECTED_IN_ESTABLISHED: 3,
} as const;

/** RFC 4486 Cease subcodes (plus RFC 8538 Hard Reset and RFC 9384 BFD Down). */
export const CeaseSubcode = {
  MAX_PREFIXES: 1,
  ADMIN_SHUTDOWN: 2,
  PEER_DECONFIGURED: 3,
  ADMIN_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIG_CHANGE: 6,
  CONNECTION_COLLISION: 7,
  OUT_OF_RESOURCES: 8,
  HARD_RESET: 9,
  BFD_DOWN: 10,
} as const;

/** RFC 7313 ROUTE-REFRESH message subtypes and error subcodes. */
export const RouteRefreshSubtype = { REQUEST: 0, BORR: 1, EORR: 2 } as const;
export const RouteRefreshSubcode = { INVALID_MESSAGE_LENGTH: 1 } as const;
