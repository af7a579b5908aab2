import { CapabilityCode, OpenSubcode } from './constants.js';
import { openError } from './errors.js';

/** RFC 7911 ADD-PATH send/receive modes. */
export const AddPathMode = { RECEIVE: 1, SEND: 2, BOTH: 3 } as const;

export interface AfiSafi {
  afi: number;
  safi: number;
}

/** One BGP capability (RFC 5492). Unknown ones keep their bytes so they can be shown and re-sent. */
export type Capability =
  | { kind: 'multiprotocol'; afi: number; safi: number }
  | { kind: 'route-refresh' }
  | { kind: 'extended-next-hop'; entries: { afi: number; safi: number; nextHopAfi: number }[] }
  | { kind: 'extended-message' }
  | {
      kind: 'graceful-restart';
      /** The R (restart state) and N (notification, RFC 8538) bits, as the top four bits. */
      flags: number;
      restartTime: number;
      families: { afi: number; safi: number; flags: number }[];
    }
  | { kind: 'four-octet-as'; asn: number }
  /** RFC 9494: per family the F (forwarding kept) bit and the long-lived stale time (s, 24 bits). */
  | { kind: 'long-lived-graceful-restart'; families: { afi: number; safi: number; flags: number; staleTime: number }[] }
  | { kind: 'add-path'; entries: { afi: number; safi: number; mode: number }[] }
  | { kind: 'enhanced-route-refresh' }
  | { kind: 'fqdn'; hostname: string; domain: string }
  | { kind: 'unknown'; code: number; value: Buffer };

export const GR_RESTART_STATE = 0x8;
export const GR_NOTIFICATION = 0x4;
/** Per-family "forwarding state preserved" bit. */
export const GR_FORWARDING = 0x80;

function capError(what: string, data: Buffer): never {
  // A malformed capability makes the OPEN unacceptable; RFC 5492 leaves the subcode to us, and
  // "Unsupported Capability" with the offending bytes is what peers report best.
  throw openError('open.capability', `malformed ${what} capability`, OpenSubcode.UNSUPPORTED_CAPABILITY, data);
}

/** Decode one capability value (code and bytes [start, end)). */
export function decodeCapability(code: number, buf: Buffer, start: number, end: number): Capability {
  const len = end - start;
  const raw = (): Buffer => Buffer.from(buf.subarray(start - 2, end));
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL:
      if (len !== 4) capError('multiprotocol', raw());
      return { kind: 'multiprotocol', afi: buf.readUInt16BE(start), safi: buf[start + 3] as number };
    case CapabilityCode.ROUTE_REFRESH:
      if (len !== 0) capError('route refresh', raw());
      return { kind: 'route-refresh' };
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      if (len !== 0) capError('enhanced route refresh', raw());
      return { kind: 'enhanced-route-refresh' };
    case CapabilityCode.EXTENDED_MESSAGE:
      if (len !== 0) capError('extended message', raw());
      return { kind: 'extended-message' };
    case CapabilityCode.EXTENDED_NEXT_HOP: {
      if (len % 6 !== 0) capError('extended next hop', raw());
      const entries = [];
      for (let p = start; p < end; p += 6) {
        entries.push({ afi: buf.readUInt16BE(p), safi: buf.readUInt16BE(p + 2), nextHopAfi: buf.readUInt16BE(p + 4) });
      }
      return { kind: 'extended-next-hop', entries };
    }
    case CapabilityCode.GRACEFUL_RESTART: {
      if (len < 2 || (len - 2) % 4 !== 0) capError('graceful restart', raw());
      const word = buf.readUInt16BE(start);
      const families = [];
      for (let p = start + 2; p < end; p += 4) {
        families.push({ afi: buf.readUInt16BE(p), safi: buf[p + 2] as number, flags: buf[p + 3] as number });
      }
      return { kind: 'graceful-restart', flags: word >>> 12, restartTime: word & 0xfff, families };
    }
    case CapabilityCode.LONG_LIVED_GRACEFUL_RESTART: {
      if (len % 7 !== 0) capError('long-lived graceful restart', raw());
      const families = [];
      for (let p = start; p < end; p += 7) {
        families.push({ afi: buf.readUInt16BE(p), safi: buf[p + 2] as number, flags: buf[p + 3] as number, staleTime: buf.readUIntBE(p + 4, 3) });
      }
      return { kind: 'long-lived-graceful-restart', families };
    }
    case CapabilityCode.FOUR_OCTET_AS:
      if (len !== 4) capError('4-octet AS', raw());
      return { kind: 'four-octet-as', asn: buf.readUInt32BE(start) };
    case CapabilityCode.ADD_PATH: {
      if (len % 4 !== 0) capError('ADD-PATH', raw());
      const entries = [];
      for (let p = start; p < end; p += 4) {
        const mode = buf[p + 3] as number;
        // RFC 7911 §4: a Send/Receive value other than 1-3 is not understood; that entry is ignored.
        if (mode < 1 || mode > 3) continue;
        entries.push({ afi: buf.readUInt16BE(p), safi: buf[p + 2] as number, mode });
      }
      return { kind: 'add-path', entries };
    }
    case CapabilityCode.FQDN: {
      if (len < 1) capError('FQDN', raw());
      const hl = buf[start] as number;
      if (1 + hl + 1 > len) capError('FQDN', raw());
      const dl = buf[start + 1 + hl] as number;
      if (2 + hl + dl !== len) capError('FQDN', raw());
      return {
        kind: 'fqdn',
        hostname: buf.toString('utf8', start + 1, start + 1 + hl),
        domain: buf.toString('utf8', start + 2 + hl, end),
      };
    }
    default:
      return { kind: 'unknown', code, value: Buffer.from(buf.subarray(start, end)) };
  }
}

/** Decode a capabilities optional parameter's value: a run of (code, length, value). */
export function decodeCapabilities(buf: Buffer, start: number, end: number, out: Capability[]): void {
  let p = start;
  while (p < end) {
    if (p + 2 > end) capError('truncated', Buffer.from(buf.subarray(p, end)));
    const code = buf[p] as number;
    const len = buf[p + 1] as number;
    if (p + 2 + len > end) capError('overrunning', Buffer.from(buf.subarray(p, end)));
    out.push(decodeCapability(code, buf, p + 2, p + 2 + len));
    p += 2 + len;
  }
}

function codeOf(cap: Capability): number {
  switch (cap.kind) {
    case 'multiprotocol':
      return CapabilityCode.MULTIPROTOCOL;
    case 'route-refresh':
      return CapabilityCode.ROUTE_REFRESH;
    case 'extended-next-hop':
      return CapabilityCode.EXTENDED_NEXT_HOP;
    case 'extended-message':
      return CapabilityCode.EXTENDED_MESSAGE;
    case 'graceful-restart':
      return CapabilityCode.GRACEFUL_RESTART;
    case 'four-octet-as':
      return CapabilityCode.FOUR_OCTET_AS;
    case 'long-lived-graceful-restart':
      return CapabilityCode.LONG_LIVED_GRACEFUL_RESTART;
    case 'add-path':
      return CapabilityCode.ADD_PATH;
    case 'enhanced-route-refresh':
      return CapabilityCode.ENHANCED_ROUTE_REFRESH;
    case 'fqdn':
      return CapabilityCode.FQDN;
    case 'unknown':
      return cap.code;
  }
}

function valueOf(cap: Capability): Buffer {
  switch (cap.kind) {
    case 'multiprotocol': {
      const b = Buffer.alloc(4);
      b.writeUInt16BE(cap.afi, 0);
      b[3] = cap.safi;
      return b;
    }
    case 'route-refresh':
    case 'extended-message':
    case 'enhanced-route-refresh':
      return Buffer.alloc(0);
    case 'extended-next-hop': {
      const b = Buffer.alloc(6 * cap.entries.length);
      cap.entries.forEach((e, i) => {
        b.writeUInt16BE(e.afi, i * 6);
        b.writeUInt16BE(e.safi, i * 6 + 2);
        b.writeUInt16BE(e.nextHopAfi, i * 6 + 4);
      });
      return b;
    }
    case 'graceful-restart': {
      const b = Buffer.alloc(2 + 4 * cap.families.length);
      b.writeUInt16BE(((cap.flags & 0xf) << 12) | (cap.restartTime & 0xfff), 0);
      cap.families.forEach((f, i) => {
        b.writeUInt16BE(f.afi, 2 + i * 4);
        b[4 + i * 4] = f.safi;
        b[5 + i * 4] = f.flags;
      });
      return b;
    }
    case 'long-lived-graceful-restart': {
      const b = Buffer.alloc(7 * cap.families.length);
      cap.families.forEach((f, i) => {
        b.writeUInt16BE(f.afi, i * 7);
        b[i * 7 + 2] = f.safi;
        b[i * 7 + 3] = f.flags;
        b.writeUIntBE(Math.min(f.staleTime, 0xffffff), i * 7 + 4, 3);
      });
      return b;
    }
    case 'four-octet-as': {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(cap.asn >>> 0, 0);
      return b;
    }
    case 'add-path': {
      const b = Buffer.alloc(4 * cap.entries.length);
      cap.entries.forEach((e, i) => {
        b.writeUInt16BE(e.afi, i * 4);
        b[i * 4 + 2] = e.safi;
        b[i * 4 + 3] = e.mode;
      });
      return b;
    }
    case 'fqdn': {
      const h = Buffer.from(cap.hostname, 'utf8').subarray(0, 255);
      const d = Buffer.from(cap.domain, 'utf8').subarray(0, 255);
      return Buffer.concat([Buffer.from([h.length]), h, Buffer.from([d.length]), d]);
    }
    case 'unknown':
      return cap.value;
  }
}

/** A capability as it appears on the wire: code, length, value. */
export function encodeCapability(cap: Capability): Buffer {
  const value = valueOf(cap);
  if (value.length > 255) throw new RangeError(`capability ${cap.kind} too long (${value.length} bytes)`);
  return Buffer.concat([Buffer.from([codeOf(cap), value.length]), value]);
}
