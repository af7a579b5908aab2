import { HEADER_LENGTH, MessageType } from './constants.js';
import { writeHeader } from './header.js';

const KEEPALIVE = Buffer.alloc(HEADER_LENGTH);
writeHeader(KEEPALIVE, 0, HEADER_LENGTH, MessageType.KEEPALIVE);

/** The KEEPALIVE message. Its bytes are constant; the same Buffer is shared and must not be modified. */
export function encodeKeepalive(): Buffer {
  return KEEPALIVE;
}
