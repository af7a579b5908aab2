/**
 * A small typed rtnetlink codec: routes (with RTA_MULTIPATH), links and addresses. Pure: Buffers in,
 * Buffers out. Encoders write into caller-sized Buffers; decoders read straight from a received
 * datagram. Layouts are from linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h.
 */
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_UNSPEC = 0;

export const RT_TABLE_MAIN = 254;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTNH_F_ONLINK = 4;

const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_MULTIPATH = 9;
/** A gateway of another family than the route (RFC 8950: IPv4 routes via IPv6 next hops). */
const RTA_VIA = 18;
const RTA_TABLE = 15;
const IFLA_IFNAME = 3;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
export const IFF_UP = 0x1;
export const IFF_LOWER_UP = 0x10000;

const NLMSG_HDRLEN = 16;
const RTMSG_LEN = 12;
const align4 = (n: number) => (n + 3) & ~3;

export interface NextHop {
  /** Gateway bytes (4 or 16) or empty for a device route. */
  gateway: Buffer;
  /** Output interface index, 0 when unknown. */
  oif: number;
  /** RTNH_F_ONLINK: the gateway is on the link even if no address covers it (tunnels). */
  onlink: boolean;
  /** ECMP weight (1..256). */
  weight: number;
}

export interface KernelRoute {
  family: number;
  dst: Buffer;
  dstLen: number;
  table: number;
  protocol: number;
  type: number;
  scope: number;
  priority: number;
  nexthops: NextHop[];
}

export interface KernelLink {
  index: number;
  name: string;
  up: boolean;
}

export interface KernelAddress {
  family: number;
  index: number;
  prefixLen: number;
  address: Buffer;
}

export interface Header {
  length: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export function readHeader(b: Buffer, off: number): Header {
  return {
    length: b.readUInt32LE(off),
    type: b.readUInt16LE(off + 4),
    flags: b.readUInt16LE(off + 6),
    seq: b.readUInt32LE(off + 8),
    pid: b.readUInt32LE(off + 12),
  };
}

/** The errno of an NLMSG_ERROR message (0 is an ACK). Returned negative as the kernel sends it. */
export function readError(b: Buffer, off: number): number {
  return b.readInt32LE(off + NLMSG_HDRLEN);
}

// Little-endian stores by hand: the route encoder writes a few million of these, and Buffer's
// write methods check bounds and types on every call.
function u16(b: Buffer, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

function u32(b: Buffer, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

function writeHeader(b: Buffer, off: number, length: number, type: number, flags: number, seq: number): void {
  u32(b, off, length);
  u16(b, off + 4, type);
  u16(b, off + 6, flags);
  u32(b, off + 8, seq >>> 0);
  u32(b, off + 12, 0);
}

function writeAttr(b: Buffer, off: number, type: number, value: Buffer | number, u32value = true): number {
  if (typeof value === 'number') {
    u16(b, off, 8);
    u16(b, off + 2, type);
    if (u32value) u32(b, off + 4, value >>> 0);
    return off + 8;
  }
  return writeBytes(b, off, type, value, 0, value.length);
}

/** An attribute whose value is `src[from..from+len)`, padded to 4 bytes. */
function writeBytes(b: Buffer, off: number, type: number, src: Uint8Array, from: number, len: number): number {
  u16(b, off, 4 + len);
  u16(b, off + 2, type);
  for (let i = 0; i < len; i++) b[off + 4 + i] = src[from + i] as number;
  const end = off + align4(4 + len);
  for (let i = off + 4 + len; i < end; i++) b[i] = 0;
  return end;
}

/** A dump request for routes, links or addresses of a family. */
export function encodeDump(type: number, family: number, seq: number): Buffer {
  const bodyLen = type === RTM_GETLINK ? 16 : type === RTM_GETADDR ? 8 : RTMSG_LEN;
  const b = Buffer.alloc(NLMSG_HDRLEN + bodyLen);
  writeHeader(b, 0, b.length, type, NLM_F_REQUEST | NLM_F_DUMP, seq);
  b[NLMSG_HDRLEN] = family;
  return b;
}

export const NLMSG_NOOP = 1;
export const NOOP_LENGTH = NLMSG_HDRLEN;

/**
 * A NLMSG_NOOP asking for an ACK. Placed after messages sent without NLM_F_ACK, its ACK says the
 * kernel has handled all of them; any that failed were answered with an error of their own.
 */
export function encodeNoopAck(b: Buffer, off: number, seq: number): number {
  writeHeader(b, off, NLMSG_HDRLEN, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, seq);
  return off + NLMSG_HDRLEN;
}

/** Bytes needed to encode a route message. */
export function routeMessageSize(r: KernelRoute): number {
  let n = NLMSG_HDRLEN + RTMSG_LEN + 8 /* table */ + (r.dstLen > 0 ? align4(4 + r.dst.length) : 0) + 8 /* priority */;
  if (r.nexthops.length === 1) {
    const nh = r.nexthops[0] as NextHop;
    if (nh.gateway.length) n += gatewaySize(r.family, nh.gateway);
    if (nh.oif) n += 8;
  } else if (r.nexthops.length > 1) {
    n += 4;
    for (const nh of r.nexthops) n += 8 + (nh.gateway.length ? gatewaySize(r.family, nh.gateway) : 0);
  }
  return n;
}

/** The attribute bytes of a gateway: RTA_GATEWAY, or RTA_VIA with its 2-byte family (writeGateway). */
function gatewaySize(routeFamily: number, gw: Buffer): number {
  return align4(4 + gw.length + ((routeFamily === AF_INET) === (gw.length === 4) ? 0 : 2));
}

/**
 * Encode RTM_NEWROUTE (add or replace) or RTM_DELROUTE at `off`; returns the offset after it.
 * Every message asks for an ACK, so each outcome is checked.
 */
export function encodeRoute(b: Buffer, off: number, type: number, r: KernelRoute, seq: number, replace = true, ack = true): number {
  const start = off;
  const flags = NLM_F_REQUEST | (ack ? NLM_F_ACK : 0) | (type === RTM_NEWROUTE ? NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL) : 0);
  let p = off + NLMSG_HDRLEN;
  b[p] = r.family;
  b[p + 1] = r.dstLen;
  b[p + 2] = 0; // src len
  b[p + 3] = 0; // tos
  b[p + 4] = r.table < 256 ? r.table : 252; // RT_TABLE_COMPAT when RTA_TABLE carries it
  b[p + 5] = r.protocol;
  b[p + 6] = r.scope;
  b[p + 7] = r.type;
  const single = r.nexthops.length === 1 ? (r.nexthops[0] as NextHop) : null;
  u32(b, p + 8, single?.onlink ? RTNH_F_ONLINK : 0);
  p += RTMSG_LEN;
  p = writeAttr(b, p, RTA_TABLE, r.table);
  if (r.dstLen > 0) p = writeBytes(b, p, RTA_DST, r.dst, 0, r.family === AF_INET ? 4 : 16);
  p = writeAttr(b, p, RTA_PRIORITY, r.priority);
  if (single) {
    if (single.gateway.length) p = writeGateway(b, p, r.family, single.gateway);
    if (single.oif) p = writeAttr(b, p, RTA_OIF, single.oif);
  } else if (r.nexthops.length > 1) {
    const mpStart = p;
    p += 4;
    for (const nh of r.nexthops) {
      const nhStart = p;
      b[p + 2] = nh.onlink ? RTNH_F_ONLINK : 0;
      b[p + 3] = Math.max(0, Math.min(255, nh.weight - 1));
      u32(b, p + 4, nh.oif);
      p += 8;
      if (nh.gateway.length) p = writeGateway(b, p, r.family, nh.gateway);
      u16(b, nhStart, p - nhStart);
    }
    u16(b, mpStart, p - mpStart);
    u16(b, mpStart + 2, RTA_MULTIPATH);
  }
  writeHeader(b, start, p - start, type, flags, seq);
  return p;
}

/** A next hop's gateway: RTA_GATEWAY, or RTA_VIA (family + address) when its family is not the route's. */
function writeGateway(b: Buffer, off: number, routeFamily: number, gw: Buffer): number {
  if ((routeFamily === AF_INET) === (gw.length === 4)) return writeAttr(b, off, RTA_GATEWAY, gw);
  const via = Buffer.alloc(2 + gw.length);
  via.writeUInt16LE(gw.length === 4 ? AF_INET : AF_INET6, 0);
  gw.copy(via, 2);
  return writeAttr(b, off, RTA_VIA, via);
}

function forAttrs(b: Buffer, start: number, end: number, fn: (type: number, vs: number, ve: number) => void): void {
  let p = start;
  while (p + 4 <= end) {
    const len = b.readUInt16LE(p);
    if (len < 4 || p + len > end) return;
    fn(b.readUInt16LE(p + 2) & 0x3fff, p + 4, p + len);
    p += align4(len);
  }
}

/** Decode an RTM_NEWROUTE/RTM_DELROUTE body (message at `off`, `length` bytes). */
export function decodeRoute(b: Buffer, off: number, length: number): KernelRoute {
  const p = off + NLMSG_HDRLEN;
  const family = b[p] as number;
  const r: KernelRoute = {
    family,
    dst: Buffer.alloc(family === AF_INET ? 4 : 16),
    dstLen: b[p + 1] as number,
    table: b[p + 4] as number,
    protocol: b[p + 5] as number,
    scope: b[p + 6] as number,
    type: b[p + 7] as number,
    priority: 0,
    nexthops: [],
  };
  const rtmFlags = b.readUInt32LE(p + 8);
  let gateway = Buffer.alloc(0);
  let oif = 0;
  forAttrs(b, p + RTMSG_LEN, off + length, (type, vs, ve) => {
    if (type === RTA_DST) b.copy(r.dst, 0, vs, Math.min(ve, vs + r.dst.length));
    else if (type === RTA_TABLE) r.table = b.readUInt32LE(vs);
    else if (type === RTA_PRIORITY) r.priority = b.readUInt32LE(vs);
    else if (type === RTA_GATEWAY) gateway = Buffer.from(b.subarray(vs, ve));
    else if (type === RTA_VIA && ve - vs > 2) gateway = Buffer.from(b.subarray(vs + 2, ve));
    else if (type === RTA_OIF) oif = b.readUInt32LE(vs);
    else if (type === RTA_MULTIPATH) {
      let q = vs;
      while (q + 8 <= ve) {
        const len = b.readUInt16LE(q);
        if (len < 8 || q + len > ve) break;
        const nh: NextHop = { gateway: Buffer.alloc(0), oif: b.readInt32LE(q + 4), onlink: ((b[q + 2] as number) & RTNH_F_ONLINK) !== 0, weight: (b[q + 3] as number) + 1 };
        forAttrs(b, q + 8, q + len, (t, s, e) => {
          if (t === RTA_GATEWAY) nh.gateway = Buffer.from(b.subarray(s, e));
          else if (t === RTA_VIA && e - s > 2) nh.gateway = Buffer.from(b.subarray(s + 2, e));
        });
        r.nexthops.push(nh);
        q += align4(len);
      }
    }
  });
  if (r.nexthops.length === 0 && (gateway.length || oif)) r.nexthops.push({ gateway, oif, onlink: (rtmFlags & RTNH_F_ONLINK) !== 0, weight: 1 });
  return r;
}

export function decodeLink(b: Buffer, off: number, length: number): KernelLink {
  const p = off + NLMSG_HDRLEN;
  const link: KernelLink = { index: b.readInt32LE(p + 4), name: '', up: false };
  const flags = b.readUInt32LE(p + 8);
  link.up = (flags & IFF_UP) !== 0 && (flags & IFF_LOWER_UP) !== 0;
  forAttrs(b, p + 16, off + length, (type, vs, ve) => {
    if (type === IFLA_IFNAME) link.name = b.toString('utf8', vs, ve).replace(/\0.*$/, '');
  });
  return link;
}

export function decodeAddress(b: Buffer, off: number, length: number): KernelAddress {
  const p = off + NLMSG_HDRLEN;
  const a: KernelAddress = { family: b[p] as number, prefixLen: b[p + 1] as number, index: b.readUInt32LE(p + 4), address: Buffer.alloc(0) };
  let local: Buffer | null = null;
  forAttrs(b, p + 8, off + length, (type, vs, ve) => {
    if (type === IFA_LOCAL) local = Buffer.from(b.subarray(vs, ve));
    else if (type === IFA_ADDRESS) a.address = Buffer.from(b.subarray(vs, ve));
  });
  // IFA_LOCAL is the interface's own address on point-to-point links; IFA_ADDRESS otherwise.
  if (local) a.address = local;
  return a;
}
