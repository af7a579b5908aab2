/**
 * Hashes the RIB's tables are keyed by, seeded per process: a peer that knows the function but
 * not the key cannot craft inputs that pile into one bucket (16,384 colliding attribute sets cost
 * 34 s of CPU with the unkeyed FNV this replaces). Attribute keys go through HalfSipHash-1-3
 * (SipHash on 32-bit words, as the Linux kernel's hsiphash); prefixes, which are hashed once per
 * prefix on the hot path, through a keyed bijective mix of their fixed-size words.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * 16 random bytes from /dev/urandom. `globalThis.crypto` would load Node's whole Web Crypto (38
 * builtin modules: 9 ms of CPU and 2 MB of peak at every start) for them; it stays the fallback
 * where the device cannot be read.
 */
function processKey(): Uint32Array {
  const key = new Uint32Array(4);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      if (readSync(fd, key) === key.byteLength) return key;
    } finally {
      closeSync(fd);
    }
  } catch {
    // No /dev/urandom: below.
  }
  globalThis.crypto.getRandomValues(key);
  return key;
}

const KEY = processKey();
const K0 = KEY[0] as number;
const K1 = KEY[1] as number;
/** Keys of the prefix mix. */
export const PK0 = KEY[2] as number;
export const PK1 = KEY[3] as number;

const rotl = (x: number, b: number) => (x << b) | (x >>> (32 - b));

/** HalfSipHash-1-3 of `buf` with the process key: a 32-bit unsigned hash. */
export function keyedHash(buf: Uint8Array, length = buf.length): number {
  let v0 = K0 | 0;
  let v1 = K1 | 0;
  let v2 = (0x6c796765 ^ K0) | 0;
  let v3 = (0x74656462 ^ K1) | 0;
  const n = length;
  const end = n - (n & 3);
  for (let i = 0; i <= end; i += 4) {
    let m: number;
    if (i < end) {
      m = (buf[i] as number) | ((buf[i + 1] as number) << 8) | ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24);
    } else {
      // The last block: the remaining bytes and the length in the top byte.
      m = (n & 0xff) << 24;
      const left = n & 3;
      if (left >= 3) m |= (buf[i + 2] as number) << 16;
      if (left >= 2) m |= (buf[i + 1] as number) << 8;
      if (left >= 1) m |= buf[i] as number;
    }
    v3 ^= m;
    // One compression round.
    v0 = (v0 + v1) | 0; v1 = rotl(v1, 5) ^ v0; v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0; v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) | 0; v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) | 0; v1 = rotl(v1, 13) ^ v2; v2 = rotl(v2, 16);
    v0 ^= m;
  }
  v2 ^= 0xff;
  for (let r = 0; r < 3; r++) {
    v0 = (v0 + v1) | 0; v1 = rotl(v1, 5) ^ v0; v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0; v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) | 0; v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) | 0; v1 = rotl(v1, 13) ^ v2; v2 = rotl(v2, 16);
  }
  return (v1 ^ v3) >>> 0;
}

/** A keyed 32-bit mix step: a bijection of `h` for any key (so distinct inputs of one length never collide in full). */
export function mixKeyed(h: number, k: number): number {
  h = Math.imul(h ^ k, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h ^ (k >>> 7 | k << 25), 0x85ebca6b);
  return h ^ (h >>> 13);
}
