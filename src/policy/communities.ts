/**
 * Community values as policies write them: standard `64512:100` or a well-known name
 * (no-export, no-advertise, no-export-subconfed, blackhole, graceful-shutdown), large
 * `64512:1:2`, extended `rt:64512:100`, `soo:64512:100`, `rt:192.0.2.1:7`.
 */
import { parseIpv4 } from '../wire/address.js';

const WELL_KNOWN: Record<string, number> = {
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  blackhole: 0xffff029a,
  'graceful-shutdown': 0xffff0000,
};

const u = (s: string | undefined, max: number): number | null => {
  if (s === undefined || !/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n <= max ? n : null;
};

export function parseCommunity(s: string): number | null {
  if (WELL_KNOWN[s] !== undefined) return WELL_KNOWN[s];
  const [a, b, extra] = s.split(':');
  const x = u(a, 0xffff);
  const y = u(b, 0xffff);
  if (extra !== undefined || x === null || y === null) return null;
  return ((x << 16) | y) >>> 0;
}

/** A large community as its three uint32 parts. */
export function parseLargeCommunity(s: string): [number, number, number] | null {
  const parts = s.split(':');
  if (parts.length !== 3) return null;
  const v = parts.map((p) => u(p, 0xffffffff));
  return v.every((x) => x !== null) ? (v as [number, number, number]) : null;
}

/** An extended community's 8 bytes (route target / site of origin; 2- or 4-octet AS, or IPv4). */
export function parseExtendedCommunity(s: string): Buffer | null {
  const [kind, g, l, extra] = s.split(':');
  const sub = kind === 'rt' ? 0x02 : kind === 'soo' ? 0x03 : -1;
  if (sub < 0 || g === undefined || extra !== undefined) return null;
  const b = Buffer.alloc(8);
  b[1] = sub;
  const ip = g.includes('.') ? parseIpv4(g) : -1;
  const asn = u(g, 0xffffffff);
  if (ip >= 0) {
    const local = u(l, 0xffff);
    if (local === null) return null;
    b[0] = 0x01;
    b.writeUInt32BE(ip >>> 0, 2);
    b.writeUInt16BE(local, 6);
  } else if (asn !== null && asn <= 0xffff) {
    const local = u(l, 0xffffffff);
    if (local === null) return null;
    b[0] = 0x00;
    b.writeUInt16BE(asn, 2);
    b.writeUInt32BE(local, 4);
  } else if (asn !== null) {
    const local = u(l, 0xffff);
    if (local === null) return null;
    b[0] = 0x02;
    b.writeUInt32BE(asn, 2);
    b.writeUInt16BE(local, 6);
  } else return null;
  return b;
}

export function formatCommunity(c: number): string {
  for (const [name, v] of Object.entries(WELL_KNOWN)) if (v === c) return name;
  return `${c >>> 16}:${c & 0xffff}`;
}
