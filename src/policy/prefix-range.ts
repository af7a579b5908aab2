/**
 * Prefix ranges as policies write them: `198.51.100.0/24` (exactly that prefix), `... exact`,
 * `... orlonger` (it and everything inside), `... ge 26`, `... le 32`, `... ge 26 le 26`. A set of
 * them matches a prefix taken straight from the RIB's columns (uint32 or bytes, no strings).
 */
import { Family } from '../wire/constants.js';
import { parsePrefix, samePrefix } from '../wire/nlri.js';

export interface PrefixRange {
  family: Family;
  /** The range's prefix: uint32 (IPv4) and bytes (both families). */
  v4: number;
  bytes: Buffer;
  length: number;
  /** Lengths of matching prefixes. */
  ge: number;
  le: number;
}

export function parsePrefixRange(s: string): PrefixRange | null {
  const words = s.trim().split(/\s+/);
  const p = parsePrefix(words[0] ?? '');
  if (!p) return null;
  const slash = (words[0] as string).indexOf('/');
  const host = parsePrefix(`${(words[0] as string).slice(0, slash)}/${p.family === Family.IPV4_UNICAST ? 32 : 128}`);
  if (!host || !host.bytes.equals(p.bytes)) return null; // host bits set
  const max = p.family === Family.IPV4_UNICAST ? 32 : 128;
  let ge = p.length;
  let le = p.length;
  let geSet = false;
  let leSet = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === 'exact' && words.length === 2) continue;
    if (w === 'orlonger' && words.length === 2) {
      le = max;
      continue;
    }
    const n = Number(words[i + 1]);
    if ((w === 'ge' || w === 'le') && Number.isInteger(n) && n >= p.length && n <= max) {
      if (w === 'ge') {
        ge = n;
        geSet = true;
      } else {
        le = n;
        leSet = true;
      }
      i++;
      continue;
    }
    return null;
  }
  if (geSet && !leSet) le = max;
  if (ge > le) return null;
  return { family: p.family, v4: p.family === Family.IPV4_UNICAST ? p.bytes.readUInt32BE(0) : 0, bytes: p.bytes, length: p.length, ge, le };
}

function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export class PrefixSet {
  private readonly v4: PrefixRange[];
  private readonly v6: PrefixRange[];

  constructor(ranges: PrefixRange[]) {
    this.v4 = ranges.filter((r) => r.family === Family.IPV4_UNICAST);
    this.v6 = ranges.filter((r) => r.family === Family.IPV6_UNICAST);
  }

  matches4(addr: number, len: number): boolean {
    for (const r of this.v4) {
      if (len < r.ge || len > r.le) continue;
      if (((addr & maskOf(r.length)) >>> 0) === r.v4) return true;
    }
    return false;
  }

  /** `bytes[at..]` holds the prefix (at least ceil(len/8) bytes). */
  matches6(bytes: Uint8Array, at: number, len: number): boolean {
    for (const r of this.v6) {
      if (len < r.ge || len > r.le) continue;
      if (samePrefix(bytes, at, r.bytes, 0, r.length)) return true;
    }
    return false;
  }

  matches(family: Family, v4: number, bytes: Uint8Array, at: number, len: number): boolean {
    return family === Family.IPV4_UNICAST ? this.matches4(v4, len) : this.matches6(bytes, at, len);
  }
}
