/**
 * BFD authentication (RFC 5880 §6.7): simple password, keyed and meticulous keyed MD5 and SHA1.
 * Signing fills the section `encodeBfd` left; checking verifies a received packet's section and
 * its sequence number against what the session last accepted.
 */
import { createHash } from 'node:crypto';
import { AuthType, MANDATORY_LENGTH } from './packet.js';

export type AuthMethod = 'simple' | 'keyed-md5' | 'meticulous-md5' | 'keyed-sha1' | 'meticulous-sha1';

export interface AuthConfig {
  type: AuthMethod;
  keyId: number;
  /** 1-16 bytes (simple, MD5) or 1-20 bytes (SHA1). */
  key: string;
}

const TYPE_OF: Record<AuthMethod, number> = {
  simple: AuthType.SIMPLE,
  'keyed-md5': AuthType.KEYED_MD5,
  'meticulous-md5': AuthType.METICULOUS_MD5,
  'keyed-sha1': AuthType.KEYED_SHA1,
  'meticulous-sha1': AuthType.METICULOUS_SHA1,
};

/** The longest key each method carries. */
export function maxKeyLength(type: AuthMethod): number {
  return type.endsWith('sha1') ? 20 : 16;
}

function digestLength(type: number): number {
  return type === AuthType.KEYED_SHA1 || type === AuthType.METICULOUS_SHA1 ? 20 : 16;
}

function isMeticulous(type: number): boolean {
  return type === AuthType.METICULOUS_MD5 || type === AuthType.METICULOUS_SHA1;
}

/** Length of the authentication section this config sends. */
export function authSectionLength(a: AuthConfig): number {
  if (a.type === 'simple') return 3 + Buffer.byteLength(a.key);
  return 8 + digestLength(TYPE_OF[a.type]);
}

function digest(type: number, bytes: Buffer): Buffer {
  return createHash(digestLength(type) === 20 ? 'sha1' : 'md5').update(bytes).digest();
}

/** The key as the digest field holds it while hashing: padded with zeros to the digest length. */
function paddedKey(key: string, len: number): Buffer {
  const k = Buffer.alloc(len);
  Buffer.from(key, 'utf8').copy(k, 0, 0, len);
  return k;
}

/** Fill the authentication section of the `length`-byte packet in `out` with sequence number `seq`. */
export function signBfd(out: Buffer, length: number, a: AuthConfig, seq: number): void {
  const type = TYPE_OF[a.type];
  const at = MANDATORY_LENGTH;
  out[at] = type;
  out[at + 2] = a.keyId;
  if (type === AuthType.SIMPLE) {
    const k = Buffer.from(a.key, 'utf8');
    out[at + 1] = 3 + k.length;
    k.copy(out, at + 3);
    return;
  }
  const dl = digestLength(type);
  out[at + 1] = 8 + dl;
  out[at + 3] = 0;
  out.writeUInt32BE(seq >>> 0, at + 4);
  paddedKey(a.key, dl).copy(out, at + 8);
  digest(type, out.subarray(0, length)).copy(out, at + 8);
}

/** What a session remembers of the peer's sequence numbers (bfd.AuthSeqKnown, bfd.RcvAuthSeq). */
export interface SeqState {
  known: boolean;
  last: number;
}

export type AuthError = 'auth-missing' | 'auth-unexpected' | 'auth-type' | 'auth-key' | 'auth-sequence' | 'auth-digest';

/**
 * Check a received packet (`bytes`, its length `length`) against `a`; `detectMult` is the
 * packet's. Returns the sequence number to remember (or -1 for a simple password), or why not.
 */
export function checkAuth(bytes: Buffer, length: number, a: AuthConfig | null, seq: SeqState, detectMult: number): number | AuthError {
  const hasA = ((bytes[1] as number) & 0x04) !== 0;
  if (!a) return hasA ? 'auth-unexpected' : -1;
  if (!hasA) return 'auth-missing';
  const at = MANDATORY_LENGTH;
  const type = bytes[at] as number;
  if (type !== TYPE_OF[a.type]) return 'auth-type';
  const authLen = bytes[at + 1] as number;
  if ((bytes[at + 2] as number) !== a.keyId) return 'auth-key';
  if (type === AuthType.SIMPLE) {
    const k = Buffer.from(a.key, 'utf8');
    if (authLen !== 3 + k.length || !bytes.subarray(at + 3, at + 3 + k.length).equals(k)) return 'auth-key';
    return -1;
  }
  const dl = digestLength(type);
  if (authLen !== 8 + dl) return 'auth-type';
  const n = bytes.readUInt32BE(at + 4);
  if (seq.known) {
    // Within the window of 3 x Detect Mult after the last accepted number (modulo 2^32); a
    // meticulous sender must have moved on.
    const ahead = (n - seq.last) >>> 0;
    const lowest = isMeticulous(type) ? 1 : 0;
    if (ahead < lowest || ahead > 3 * detectMult) return 'auth-sequence';
  }
  const copy = Buffer.from(bytes.subarray(0, length));
  const got = Buffer.from(copy.subarray(at + 8, at + 8 + dl));
  paddedKey(a.key, dl).copy(copy, at + 8);
  if (!digest(type, copy).equals(got)) return 'auth-digest';
  return n;
}
