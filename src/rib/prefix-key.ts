/**
 * Prefix keys for RIB maps. IPv4: one exact JS number, address * 64 + length (< 2^38), so an IPv4
 * route costs no string and no object for its key. IPv6: a 17-character latin1 string of the
 * masked bytes and the length (V8 keeps such strings compact).
 */
import { Family } from '../wire/constants.js';
import { lastByteMask, type NlriCursor } from '../wire/nlri.js';
import { ipv4ToString, ipv6ToString } from '../wire/address.js';

export type PrefixKey = number | string;

export function v4Key(addr: number, length: number): number {
  return addr * 64 + length;
}

export function v6Key(bytes: Uint8Array, at: number, length: number): string {
  let s = '';
  const nb = (length + 7) >>> 3;
  for (let i = 0; i < 16; i++) {
    let b = i < nb ? (bytes[at + i] as number) : 0;
    if (i === nb - 1) b &= lastByteMask(length);
    s += String.fromCharCode(b);
  }
  return s + String.fromCharCode(length);
}

/** The key of the prefix a cursor is on. */
export function cursorKey(c: NlriCursor): PrefixKey {
  return c.family === Family.IPV4_UNICAST ? v4Key(c.v4, c.length) : v6Key(c.buf, c.bytesAt, c.length);
}

export function keyLength(key: PrefixKey): number {
  return typeof key === 'number' ? key % 64 : key.charCodeAt(16);
}

export function keyV4Address(key: number): number {
  return Math.floor(key / 64);
}

/** The 16 address bytes of an IPv6 key. */
export function keyV6Bytes(key: string, out: Uint8Array, at = 0): void {
  for (let i = 0; i < 16; i++) out[at + i] = key.charCodeAt(i);
}

export function keyToString(key: PrefixKey): string {
  if (typeof key === 'number') return `${ipv4ToString(keyV4Address(key))}/${key % 64}`;
  const b = new Uint8Array(16);
  keyV6Bytes(key, b);
  return `${ipv6ToString(b)}/${keyLength(key)}`;
}

export function familyOfKey(key: PrefixKey): Family {
  return typeof key === 'number' ? Family.IPV4_UNICAST : Family.IPV6_UNICAST;
}
