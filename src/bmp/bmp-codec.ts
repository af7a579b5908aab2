/**
 * BMP messages (RFC 7854) as a monitored router sends them: the common header, the per-peer
 * header, Initiation and Termination with their TLVs, Peer Up and Peer Down, Route Monitoring
 * (a BGP UPDATE) and Statistics Reports. Pure: values in, Buffers out.
 */

export const BMP_VERSION = 3;
export const BmpType = { ROUTE_MONITORING: 0, STATISTICS: 1, PEER_DOWN: 2, PEER_UP: 3, INITIATION: 4, TERMINATION: 5 } as const;
export const InitTlv = { STRING: 0, SYS_DESCR: 1, SYS_NAME: 2 } as const;
export const TermTlv = { STRING: 0, REASON: 1 } as const;
/** Peer Down reasons (RFC 7854 4.9). */
export const DownReason = { LOCAL_NOTIFICATION: 1, LOCAL_NO_NOTIFICATION: 2, REMOTE_NOTIFICATION: 3, REMOTE_NO_NOTIFICATION: 4, DECONFIGURED: 5 } as const;
/** Statistics types (RFC 7854 4.8) wren counts. */
export const StatType = { REJECTED_BY_POLICY: 0, ADJ_RIB_IN_ROUTES: 7, LOC_RIB_ROUTES: 8 } as const;

const COMMON = 6;
export const PER_PEER = 42;

function message(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(COMMON);
  h[0] = BMP_VERSION;
  h.writeUInt32BE(COMMON + body.length, 1);
  h[5] = type;
  return Buffer.concat([h, body]);
}

function tlv(type: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + value.length);
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(value.length, 2);
  value.copy(b, 4);
  return b;
}

/** A 16-byte address field: IPv4 in its last 4 bytes. */
function address16(a: Uint8Array): Buffer {
  const b = Buffer.alloc(16);
  b.set(a, 16 - a.length);
  return b;
}

export interface BmpPeer {
  address: Uint8Array;
  asn: number;
  bgpId: number;
  /** L flag: the routes are post-policy (Adj-RIB-In after import policy). */
  postPolicy: boolean;
}

/** The per-peer header (RFC 7854 4.2): a global-instance peer, 4-byte AS, the time in ms. */
export function perPeerHeader(p: BmpPeer, timeMs: number): Buffer {
  const b = Buffer.alloc(PER_PEER);
  b[0] = 0;
  b[1] = (p.address.length === 16 ? 0x80 : 0) | (p.postPolicy ? 0x40 : 0);
  address16(p.address).copy(b, 10);
  b.writeUInt32BE(p.asn >>> 0, 26);
  b.writeUInt32BE(p.bgpId >>> 0, 30);
  b.writeUInt32BE(Math.floor(timeMs / 1000) >>> 0, 34);
  b.writeUInt32BE(Math.floor((timeMs % 1000) * 1000) >>> 0, 38);
  return b;
}

export function initiation(sysName: string, sysDescr: string): Buffer {
  return message(BmpType.INITIATION, Buffer.concat([tlv(InitTlv.SYS_DESCR, Buffer.from(sysDescr, 'utf8')), tlv(InitTlv.SYS_NAME, Buffer.from(sysName, 'utf8'))]));
}

/** Termination: administratively closed (reason 0), with a string. */
export function termination(text: string): Buffer {
  const reason = Buffer.alloc(2);
  return message(BmpType.TERMINATION, Buffer.concat([tlv(TermTlv.STRING, Buffer.from(text, 'utf8')), tlv(TermTlv.REASON, reason)]));
}

export function peerUp(p: BmpPeer, timeMs: number, local: Uint8Array, localPort: number, remotePort: number, sentOpen: Buffer, receivedOpen: Buffer): Buffer {
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(localPort, 0);
  ports.writeUInt16BE(remotePort, 2);
  return message(BmpType.PEER_UP, Buffer.concat([perPeerHeader(p, timeMs), address16(local), ports, sentOpen, receivedOpen]));
}

/** Peer Down: with the NOTIFICATION (reasons 1 and 3), or the FSM event code (reason 2). */
export function peerDown(p: BmpPeer, timeMs: number, reason: number, data: Buffer): Buffer {
  return message(BmpType.PEER_DOWN, Buffer.concat([perPeerHeader(p, timeMs), Buffer.from([reason]), data]));
}

export function routeMonitoring(p: BmpPeer, timeMs: number, update: Buffer): Buffer {
  return message(BmpType.ROUTE_MONITORING, Buffer.concat([perPeerHeader(p, timeMs), update]));
}

/** Statistics Report: 32-bit counters, and 64-bit gauges for the route counts (types 7, 8). */
export function statistics(p: BmpPeer, timeMs: number, stats: { type: number; value: number }[]): Buffer {
  const n = Buffer.alloc(4);
  n.writeUInt32BE(stats.length, 0);
  const tlvs = stats.map((s) => {
    const wide = s.type === StatType.ADJ_RIB_IN_ROUTES || s.type === StatType.LOC_RIB_ROUTES;
    const v = Buffer.alloc(wide ? 8 : 4);
    if (wide) v.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(s.value))), 0);
    else v.writeUInt32BE(Math.max(0, Math.floor(s.value)) >>> 0, 0);
    return tlv(s.type, v);
  });
  return message(BmpType.STATISTICS, Buffer.concat([perPeerHeader(p, timeMs), n, ...tlvs]));
}
