/**
 * The BFD Control packet (RFC 5880 §4.1): a 24-byte mandatory section and an optional
 * authentication section (§4.2-4.4). Pure codec: decode checks what §6.8.6 asks of the packet
 * itself (version, lengths, multiplier, multipoint, discriminators); what needs a session
 * (authentication, the state machine) is for the session to check.
 */

export const BFD_VERSION = 1;
export const MANDATORY_LENGTH = 24;
/** Single-hop (RFC 5881) and multihop (RFC 5883) destination ports. */
export const BFD_PORT = 3784;
export const BFD_MULTIHOP_PORT = 4784;

/** bfd.SessionState values as carried in the Sta field. */
export const BfdState = { ADMIN_DOWN: 0, DOWN: 1, INIT: 2, UP: 3 } as const;
export type BfdState = (typeof BfdState)[keyof typeof BfdState];
export const STATE_NAMES = ['AdminDown', 'Down', 'Init', 'Up'] as const;

/** Diagnostic codes (RFC 5880 §4.1). */
export const Diag = {
  NONE: 0,
  DETECTION_EXPIRED: 1,
  ECHO_FAILED: 2,
  NEIGHBOR_DOWN: 3,
  FORWARDING_RESET: 4,
  PATH_DOWN: 5,
  CONCAT_PATH_DOWN: 6,
  ADMIN_DOWN: 7,
  REVERSE_CONCAT_PATH_DOWN: 8,
} as const;
export const DIAG_NAMES = [
  'no diagnostic',
  'control detection time expired',
  'echo function failed',
  'neighbor signaled session down',
  'forwarding plane reset',
  'path down',
  'concatenated path down',
  'administratively down',
  'reverse concatenated path down',
];

export function diagName(d: number): string {
  return DIAG_NAMES[d] ?? `diagnostic ${d}`;
}

/** Authentication types (RFC 5880 §4.1, Auth Type). */
export const AuthType = { NONE: 0, SIMPLE: 1, KEYED_MD5: 2, METICULOUS_MD5: 3, KEYED_SHA1: 4, METICULOUS_SHA1: 5 } as const;

export interface BfdPacket {
  diag: number;
  state: BfdState;
  poll: boolean;
  final: boolean;
  /** Control Plane Independent. */
  cpi: boolean;
  demand: boolean;
  detectMult: number;
  myDiscr: number;
  yourDiscr: number;
  /** Intervals in microseconds, as on the wire. */
  desiredMinTx: number;
  requiredMinRx: number;
  requiredMinEchoRx: number;
  /** The authentication section, if the A bit is set: its bytes within the packet. */
  auth: { type: number; offset: number; length: number } | null;
}

/** Why a packet was dropped before any session saw it; the names are the counters'. */
export type DecodeError = 'short' | 'version' | 'length' | 'multiplier' | 'multipoint' | 'discriminator' | 'auth-length';

/** Decode the packet in `buf` (one UDP payload). */
export function decodeBfd(buf: Buffer): BfdPacket | DecodeError {
  if (buf.length < MANDATORY_LENGTH) return 'short';
  const b0 = buf[0] as number;
  if (b0 >> 5 !== BFD_VERSION) return 'version';
  const b1 = buf[1] as number;
  const length = buf[3] as number;
  const a = (b1 & 0x04) !== 0;
  // §6.8.6: at least 24 (26 with the A bit), and no more than the payload.
  if (length < (a ? MANDATORY_LENGTH + 2 : MANDATORY_LENGTH) || length > buf.length) return 'length';
  const detectMult = buf[2] as number;
  if (detectMult === 0) return 'multiplier';
  if (b1 & 0x01) return 'multipoint';
  const myDiscr = buf.readUInt32BE(4);
  if (myDiscr === 0) return 'discriminator';
  const yourDiscr = buf.readUInt32BE(8);
  const state = (b1 >> 6) as BfdState;
  if (yourDiscr === 0 && state !== BfdState.DOWN && state !== BfdState.ADMIN_DOWN) return 'discriminator';
  let auth: BfdPacket['auth'] = null;
  if (a) {
    const authLen = buf[MANDATORY_LENGTH + 1] as number;
    if (authLen < 2 || MANDATORY_LENGTH + authLen > length) return 'auth-length';
    auth = { type: buf[MANDATORY_LENGTH] as number, offset: MANDATORY_LENGTH, length: authLen };
  }
  return {
    diag: b0 & 0x1f,
    state,
    poll: (b1 & 0x20) !== 0,
    final: (b1 & 0x10) !== 0,
    cpi: (b1 & 0x08) !== 0,
    demand: (b1 & 0x02) !== 0,
    detectMult,
    myDiscr,
    yourDiscr,
    desiredMinTx: buf.readUInt32BE(12),
    requiredMinRx: buf.readUInt32BE(16),
    requiredMinEchoRx: buf.readUInt32BE(20),
    auth,
  };
}

/** The fields of a packet we send (never demand or multipoint; no echo). */
export interface OutgoingPacket {
  diag: number;
  state: BfdState;
  poll: boolean;
  final: boolean;
  cpi: boolean;
  detectMult: number;
  myDiscr: number;
  yourDiscr: number;
  desiredMinTx: number;
  requiredMinRx: number;
}

/**
 * Encode into `out` (at least 24 + `authLength` bytes); returns the packet length. With
 * `authLength` > 0 the A bit is set and the section is left for the signer to fill.
 */
export function encodeBfd(p: OutgoingPacket, out: Buffer, authLength = 0): number {
  const length = MANDATORY_LENGTH + authLength;
  out[0] = (BFD_VERSION << 5) | (p.diag & 0x1f);
  out[1] = (p.state << 6) | (p.poll ? 0x20 : 0) | (p.final ? 0x10 : 0) | (p.cpi ? 0x08 : 0) | (authLength > 0 ? 0x04 : 0);
  out[2] = p.detectMult;
  out[3] = length;
  out.writeUInt32BE(p.myDiscr >>> 0, 4);
  out.writeUInt32BE(p.yourDiscr >>> 0, 8);
  out.writeUInt32BE(p.desiredMinTx >>> 0, 12);
  out.writeUInt32BE(p.requiredMinRx >>> 0, 16);
  // We do not run the echo function.
  out.writeUInt32BE(0, 20);
  return length;
}
