/**
 * Address conversions for the edges (config, JSON, CLI). The hot path keeps IPv4 addresses as
 * uint32 and IPv6 addresses as bytes and never calls these per prefix.
 */
import { createRequire } from 'node:module';
import type { Address6 as Address6Class } from 'ip-address';

let address6: typeof Address6Class | null = null;

/** ip-address, loaded at the first IPv6 address: an IPv4-only wrend never needs it (its load is 8 ms and 2 MB of start-up peak). */
function v6(): typeof Address6Class {
  return (address6 ??= (createRequire(import.meta.url)('ip-address') as typeof import('ip-address')).Address6);
}

export function ipv4ToString(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Strict dotted-quad parse; returns -1 when `s` is not an IPv4 address. */
export function parseIpv4(s: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // no leading zeros
      octet = octet * 10 + (c - 48);
      if (octet > 255 || ++digits > 3) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

export function ipv6ToString(bytes: Uint8Array): string {
  return v6().fromUnsignedByteArray(Array.from(bytes)).correctForm();
}

/** 16 bytes of an IPv6 address, or null when `s` is not one. */
export function parseIpv6(s: string): Buffer | null {
  if (!s.includes(':')) return null;
  const Address6 = v6();
  if (!Address6.isValid(s)) return null;
  const bytes = new Address6(s).toUnsignedByteArray();
  const out = Buffer.alloc(16);
  // toUnsignedByteArray drops leading zero bytes.
  out.set(bytes, 16 - bytes.length);
  return out;
}

/** An address as bytes (4 or 16), or null. */
export function parseAddress(s: string): Buffer | null {
  const v4 = parseIpv4(s);
  if (v4 >= 0) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v4, 0);
    return b;
  }
  return parseIpv6(s);
}

export function addressToString(bytes: Uint8Array): string {
  if (bytes.length === 4) return ipv4ToString(((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0);
  return ipv6ToString(bytes);
}

/**
 * The address a next hop stands for: IPv4, or an IPv6 next hop's global half (RFC 2545), or its
 * link-local half when the global one is unspecified (a link-local session with no global address,
 * as BIRD sends it). A subarray, no copy.
 */
export function primaryNextHop(nh: Buffer): Buffer {
  if (nh.length !== 32) return nh;
  for (let i = 0; i < 16; i++) if (nh[i] !== 0) return nh.subarray(0, 16);
  return nh.subarray(16);
}

/** fe80::/10: an IPv6 address meaningful on one link only. */
export function isLinkLocal(a: Uint8Array): boolean {
  return a.length === 16 && a[0] === 0xfe && ((a[1] as number) & 0xc0) === 0x80;
}
