import { ErrorCode, HEADER_LENGTH, MessageType, RouteRefreshSubcode } from './constants.js';
import { BgpError } from './errors.js';
import { writeHeader } from './header.js';

/** ROUTE-REFRESH (RFC 2918), with the RFC 7313 subtype: 0 request, 1 BoRR, 2 EoRR. */
export interface RouteRefreshMessage {
  afi: number;
  subtype: number;
  safi: number;
}

export const ROUTE_REFRESH_LENGTH = HEADER_LENGTH + 4;

export function decodeRouteRefresh(buf: Buffer, off: number, end: number): RouteRefreshMessage {
  if (end - off !== ROUTE_REFRESH_LENGTH) {
    // RFC 7313 §5: the whole message goes back as data.
    throw new BgpError(
      'route-refresh.length',
      `ROUTE-REFRESH of length ${end - off}`,
      ErrorCode.ROUTE_REFRESH,
      RouteRefreshSubcode.INVALID_MESSAGE_LENGTH,
      Buffer.from(buf.subarray(off, end)),
    );
  }
  const p = off + HEADER_LENGTH;
  return { afi: buf.readUInt16BE(p), subtype: buf[p + 2] as number, safi: buf[p + 3] as number };
}

export function encodeRouteRefresh(m: RouteRefreshMessage): Buffer {
  const out = Buffer.alloc(ROUTE_REFRESH_LENGTH);
  writeHeader(out, 0, ROUTE_REFRESH_LENGTH, MessageType.ROUTE_REFRESH);
  out.writeUInt16BE(m.afi, HEADER_LENGTH);
  out[HEADER_LENGTH + 2] = m.subtype;
  out[HEADER_LENGTH + 3] = m.safi;
  return out;
}
