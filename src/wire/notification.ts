import { CeaseSubcode, ErrorCode, HEADER_LENGTH, MessageType } from './constants.js';
import { createRequire } from 'node:module';
import { printable } from './printable.js';
import { writeHeader } from './header.js';
import type { BgpError } from './errors.js';

export interface NotificationMessage {
  code: number;
  subcode: number;
  data: Buffer;
}

/** RFC 9003: the shutdown communication is at most 255 bytes of UTF-8. */
export const MAX_SHUTDOWN_MESSAGE = 255;

export function decodeNotification(buf: Buffer, off: number, end: number): NotificationMessage {
  const p = off + HEADER_LENGTH;
  return {
    code: buf[p] as number,
    subcode: buf[p + 1] as number,
    data: Buffer.from(buf.subarray(p + 2, end)),
  };
}

export function encodeNotification(n: NotificationMessage): Buffer {
  const length = HEADER_LENGTH + 2 + n.data.length;
  const out = Buffer.alloc(length);
  writeHeader(out, 0, length, MessageType.NOTIFICATION);
  out[HEADER_LENGTH] = n.code;
  out[HEADER_LENGTH + 1] = n.subcode;
  n.data.copy(out, HEADER_LENGTH + 2);
  return out;
}

export function notificationFromError(err: BgpError): NotificationMessage {
  return { code: err.errorCode, subcode: err.subcode, data: err.data };
}

/** Cease subcodes that carry an RFC 9003 shutdown communication (the others have their own data). */
export function takesShutdownMessage(subcode: number): boolean {
  return subcode === CeaseSubcode.ADMIN_SHUTDOWN || subcode === CeaseSubcode.ADMIN_RESET;
}

function carriesShutdownMessage(n: NotificationMessage): boolean {
  return n.code === ErrorCode.CEASE && takesShutdownMessage(n.subcode);
}

/**
 * The RFC 9003 shutdown communication of an administrative shutdown/reset Cease, or null when
 * there is none or it is malformed (wrong length or invalid UTF-8).
 */
export function shutdownMessage(n: NotificationMessage): string | null {
  if (!carriesShutdownMessage(n) || n.data.length < 1) return null;
  const len = n.data[0] as number;
  if (len === 0 || len + 1 > n.data.length) return null;
  const bytes = n.data.subarray(1, 1 + len);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** A Cease NOTIFICATION with an RFC 9003 shutdown communication, truncated to 255 bytes on a character boundary. */
export function ceaseWithMessage(subcode: number, message: string): NotificationMessage {
  let bytes = Buffer.from(message, 'utf8');
  if (bytes.length > MAX_SHUTDOWN_MESSAGE) {
    let cut = MAX_SHUTDOWN_MESSAGE;
    while (cut > 0 && ((bytes[cut] as number) & 0xc0) === 0x80) cut--;
    bytes = bytes.subarray(0, cut);
  }
  return { code: ErrorCode.CEASE, subcode, data: Buffer.concat([Buffer.from([bytes.length]), bytes]) };
}

/**
 * The data of a Cease / Maximum Number of Prefixes Reached (RFC 4486 §4): AFI, SAFI and the upper
 * bound. A cold-path builder, so it is written with smart-buffer's cursor rather than by offsets.
 */
export function maxPrefixesCeaseData(afi: number, safi: number, limit: number): Buffer {
  return smartBuffer().fromSize(7).writeUInt16BE(afi).writeUInt8(safi).writeUInt32BE(limit >>> 0).toBuffer();
}

/** A Cease: with `message` as its RFC 9003 communication where the subcode takes one, else with `data` (RFC 4486). */
export function ceaseNotification(subcode: number, message: string, data: Buffer = Buffer.alloc(0)): NotificationMessage {
  return takesShutdownMessage(subcode) ? ceaseWithMessage(subcode, message) : { code: ErrorCode.CEASE, subcode, data };
}

const CODE_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
  },
  3: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  5: {
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  6: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  7: { 1: 'Invalid Message Length' },
};

/** RFC 8538 Hard Reset: a Cease whose data is the NOTIFICATION it stands for (code, subcode, data). */
export function hardReset(inner: NotificationMessage): NotificationMessage {
  return { code: ErrorCode.CEASE, subcode: CeaseSubcode.HARD_RESET, data: Buffer.concat([Buffer.from([inner.code, inner.subcode]), inner.data]) };
}

export function isHardReset(n: NotificationMessage): boolean {
  return n.code === ErrorCode.CEASE && n.subcode === CeaseSubcode.HARD_RESET;
}

/** The NOTIFICATION a Hard Reset carries (null when its data is too short to hold one). */
export function hardResetInner(n: NotificationMessage): NotificationMessage | null {
  if (!isHardReset(n) || n.data.length < 2) return null;
  return { code: n.data[0] as number, subcode: n.data[1] as number, data: Buffer.from(n.data.subarray(2)) };
}

/**
 * RFC 8538 §5.1: with the N bit exchanged, the Ceases that end a session for good go as Hard
 * Reset (the peer flushes our routes); the others keep graceful restart on both sides.
 * Administrative Reset is left graceful, as FRR does by default.
 */
export function endsForGood(n: NotificationMessage): boolean {
  if (n.code !== ErrorCode.CEASE) return false;
  return n.subcode === CeaseSubcode.MAX_PREFIXES || n.subcode === CeaseSubcode.ADMIN_SHUTDOWN || n.subcode === CeaseSubcode.PEER_DECONFIGURED || n.subcode === CeaseSubcode.HARD_RESET || n.subcode === CeaseSubcode.BFD_DOWN;
}

/** "Cease/Administrative Shutdown: maintenance" — for logs and `show neighbors`; the peer's text made printable. */
export function describeNotification(n: NotificationMessage): string {
  const inner = hardResetInner(n);
  if (inner) return `Cease/Hard Reset (${describeNotification(inner)})`;
  const code = CODE_NAMES[n.code] ?? `Error ${n.code}`;
  const sub = SUBCODE_NAMES[n.code]?.[n.subcode] ?? (n.subcode === 0 ? 'Unspecific' : `subcode ${n.subcode}`);
  const msg = shutdownMessage(n);
  return msg === null ? `${code}/${sub}` : `${code}/${sub}: ${printable(msg)}`;
}

type SmartBufferClass = typeof import('smart-buffer').SmartBuffer;
let smartBufferClass: SmartBufferClass | null = null;

/**
 * smart-buffer, loaded on first use (a prefix limit reached): imported from this ES module at start-up
 * it cost wrend 8 MB of peak RSS (Node's CommonJS export lexer on its 44 KB source), for a path
 * most runs never take. createRequire loads it without that lexer.
 */
function smartBuffer(): SmartBufferClass {
  smartBufferClass ??= (createRequire(import.meta.url)('smart-buffer') as typeof import('smart-buffer')).SmartBuffer;
  return smartBufferClass;
}
