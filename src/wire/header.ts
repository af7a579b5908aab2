import {
  HEADER_LENGTH,
  HeaderSubcode,
  MARKER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
} from './constants.js';
import { headerError } from './errors.js';
import type { CodecContext } from './context.js';

/** Smallest legal length of each message type (RFC 4271 §4, RFC 2918). */
const MIN_LENGTH: Record<number, number> = {
  [MessageType.OPEN]: 29,
  [MessageType.UPDATE]: 23,
  [MessageType.NOTIFICATION]: 21,
  [MessageType.KEEPALIVE]: 19,
  // A ROUTE-REFRESH of the wrong length gets its own error (RFC 7313 §5), not a header error.
  [MessageType.ROUTE_REFRESH]: 19,
};

export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/**
 * Check the 19-byte header at `off` (the caller made sure 19 bytes are there) and return the
 * message length. Throws BgpError with the RFC 4271 §6.1 NOTIFICATION.
 */
export function checkHeader(buf: Buffer, off: number, ctx: CodecContext): number {
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (buf[off + i] !== 0xff) {
      throw headerError('header.marker', 'message marker is not all ones', HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED);
    }
  }
  const length = buf.readUInt16BE(off + 16);
  const type = buf[off + 18] as number;
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    throw headerError('header.type', `unknown message type ${type}`, HeaderSubcode.BAD_MESSAGE_TYPE, Buffer.from([type]));
  }
  // OPEN and KEEPALIVE never exceed 4096 (RFC 8654 §4); the others may once extended messages are on.
  const max = type === MessageType.OPEN || type === MessageType.KEEPALIVE ? MAX_MESSAGE_LENGTH : maxMessageLength(ctx);
  const exact = type === MessageType.KEEPALIVE;
  if (length < min || length > max || (exact && length !== min) || length < HEADER_LENGTH) {
    const data = Buffer.alloc(2);
    data.writeUInt16BE(length, 0);
    throw headerError('header.length', `bad length ${length} for message type ${type}`, HeaderSubcode.BAD_MESSAGE_LENGTH, data);
  }
  return length;
}

/** Write a header for a message of `length` bytes (header included) and `type` at `off`. */
export function writeHeader(buf: Buffer, off: number, length: number, type: number): void {
  // By hand: Buffer#fill is a call into C++, and a table's export writes a header per UPDATE.
  for (let i = 0; i < MARKER_LENGTH; i++) buf[off + i] = 0xff;
  buf.writeUInt16BE(length, off + 16);
  buf[off + 18] = type;
}
