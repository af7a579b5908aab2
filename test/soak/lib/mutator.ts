/**
 * Messages for the session fuzzer: valid UPDATEs built with wren's own codec, then changed the way
 * a broken or hostile peer would: attribute flags, types, lengths and values, NLRI lengths,
 * duplicated and unknown attributes, truncation; and, rarely, the kinds of damage that must end a
 * session (bad header, unexpected OPEN, NOTIFICATION, malformed ROUTE-REFRESH, random bytes).
 * Deterministic from a seed, so a crasher can be replayed.
 */
import { Afi, Family } from '../../../src/wire/constants.js';
import { makeContext } from '../../../src/wire/context.js';
import { encodeUpdate } from '../../../src/wire/update.js';
import { encodeNlri, type Prefix } from '../../../src/wire/nlri.js';
import { encodeNotification } from '../../../src/wire/notification.js';
import { encodeRouteRefresh } from '../../../src/wire/route-refresh.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';

export const FUZZ_CTX = makeContext({ asn4: true, ebgp: true });

/** xorshift32: small, fast, replayable. */
export class Rng {
  constructor(private state: number) {
    this.state = state >>> 0 || 1;
  }
  next(): number {
    let s = this.state;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.state = s >>> 0;
    return this.state;
  }
  int(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
}

/** Which part of the message a mutation targeted: soft ones should leave the session up. */
export type MutationKind = 'valid' | 'attr-bits' | 'attr-byte' | 'attr-flags' | 'attr-length' | 'unknown-attr' | 'duplicate-attr' | 'nlri-length' | 'truncate' | 'mp' | 'route-refresh' | 'hard';

export class Mutator {
  readonly rng: Rng;
  private readonly ownAs: number;

  constructor(seed: number, ownAs: number) {
    this.rng = new Rng(seed);
    this.ownAs = ownAs;
  }

  private prefixes(n: number, v6: boolean): Prefix[] {
    const r = this.rng;
    const out: Prefix[] = [];
    for (let i = 0; i < n; i++) {
      if (v6) {
        const bytes = Buffer.alloc(16);
        bytes.writeUInt32BE(0x20010db8, 0);
        bytes.writeUInt16BE(r.int(65536), 4);
        out.push({ family: Family.IPV6_UNICAST, bytes, length: 48, pathId: 0 });
      } else {
        const bytes = Buffer.from([240, r.int(16), r.int(256), 0]);
        out.push({ family: Family.IPV4_UNICAST, bytes, length: 24, pathId: 0 });
      }
    }
    return out;
  }

  /** A valid UPDATE from a peer of AS ownAs with next hop `nextHop` (IPv4 or, via MP_REACH, IPv6). */
  valid(nextHop: number): Buffer {
    const r = this.rng;
    const v6 = r.chance(0.2);
    const attrs: PathAttribute[] = [
      { kind: 'origin', type: 1, flags: 0x40, origin: r.int(3) },
      { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns: [this.ownAs, ...Array.from({ length: r.int(4) }, () => 64496 + r.int(16))] }] },
    ];
    if (!v6) attrs.push({ kind: 'next-hop', type: 3, flags: 0x40, nextHop });
    if (r.chance(0.5)) attrs.push({ kind: 'med', type: 4, flags: 0x80, med: r.int(1000) });
    if (r.chance(0.5)) attrs.push({ kind: 'communities', type: 8, flags: 0xc0, communities: Array.from({ length: 1 + r.int(4) }, () => r.next()) });
    if (r.chance(0.2)) attrs.push({ kind: 'large-communities', type: 32, flags: 0xc0, communities: [this.ownAs, r.next(), r.next()] });
    const withdraw = r.chance(0.2) ? this.prefixes(1 + r.int(8), false) : [];
    if (v6) {
      const nh = Buffer.from('20010db8000000000000000000000003', 'hex');
      attrs.push({ kind: 'mp-reach', type: 14, flags: 0x80, afi: Afi.IPV6, safi: 1, nextHop: nh, nlri: encodeNlri(this.prefixes(1 + r.int(8), true), Family.IPV6_UNICAST, false), rest: null } as unknown as PathAttribute);
      return encodeUpdate({ attributes: attrs, withdrawn: encodeNlri(withdraw, Family.IPV4_UNICAST, false) }, FUZZ_CTX);
    }
    return encodeUpdate({ attributes: attrs, withdrawn: encodeNlri(withdraw, Family.IPV4_UNICAST, false), nlri: encodeNlri(this.prefixes(1 + r.int(16), false), Family.IPV4_UNICAST, false) }, FUZZ_CTX);
  }

  /** One message to send, and what was done to it. `hardRate`: share of session-ending damage. */
  next(nextHop: number, hardRate: number): { kind: MutationKind; bytes: Buffer } {
    const r = this.rng;
    if (r.chance(hardRate)) return { kind: 'hard', bytes: this.hard(nextHop) };
    if (r.chance(0.02)) return { kind: 'route-refresh', bytes: encodeRouteRefresh({ afi: r.chance(0.8) ? 1 + r.int(2) : r.int(65536), subtype: r.chance(0.8) ? 0 : r.int(256), safi: r.chance(0.8) ? 1 : r.int(256) }) };
    const b = this.valid(nextHop);
    if (r.chance(0.2)) return { kind: 'valid', bytes: b };
    // The path attributes: after the header, the withdrawn routes and the attributes length.
    const wlen = b.readUInt16BE(19);
    const aStart = 23 + wlen;
    const aLen = b.readUInt16BE(21 + wlen);
    const attrAt = (): number => {
      // Offset of a random attribute's flags byte.
      let p = aStart;
      const stops: number[] = [];
      while (p + 3 <= aStart + aLen) {
        stops.push(p);
        const ext = ((b[p] as number) & 0x10) !== 0;
        p += (ext ? 4 + b.readUInt16BE(p + 2) : 3 + (b[p + 2] as number));
      }
      return stops[r.int(stops.length)] ?? aStart;
    };
    // Mostly damage RFC 7606 answers without a reset; NLRI and truncation damage (which resets the
    // session, correctly) rarely, so that most messages are read rather than discarded.
    switch (pick(r, WEIGHTS)) {
      case 0: {
        for (let i = 1 + r.int(3); i > 0; i--) {
          const at = aStart + r.int(Math.max(1, aLen));
          b[at] = (b[at] as number) ^ (1 << r.int(8));
        }
        return { kind: 'attr-bits', bytes: b };
      }
      case 1: {
        const at = attrAt();
        const off = at + 3 + r.int(8);
        if (off < b.length) b[off] = r.int(256);
        return { kind: 'attr-byte', bytes: b };
      }
      case 2:
        b[attrAt()] = r.int(256);
        return { kind: 'attr-flags', bytes: b };
      case 3: {
        const at = attrAt();
        if (((b[at] as number) & 0x10) === 0) b[at + 2] = Math.max(0, (b[at + 2] as number) + r.int(7) - 3);
        return { kind: 'attr-length', bytes: b };
      }
      case 4:
        return { kind: 'unknown-attr', bytes: this.withAttribute(b, aStart, aLen, Buffer.from([r.chance(0.05) ? 0x40 : ([0x80, 0xc0, 0xe0][r.int(3)] as number), r.int(256), 4, r.int(256), r.int(256), r.int(256), r.int(256)])) };
      case 5: {
        const at = attrAt();
        const ext = ((b[at] as number) & 0x10) !== 0;
        const len = ext ? 4 + b.readUInt16BE(at + 2) : 3 + (b[at + 2] as number);
        return { kind: 'duplicate-attr', bytes: this.withAttribute(b, aStart, aLen, b.subarray(at, at + len)) };
      }
      case 6: {
        const nlriAt = aStart + aLen;
        if (nlriAt < b.length) b[nlriAt] = r.chance(0.5) ? 33 + r.int(223) : r.int(33);
        return { kind: 'nlri-length', bytes: b };
      }
      case 7: {
        // Cut the message inside its attributes, header length kept consistent.
        const cut = Math.max(23, b.length - 1 - r.int(Math.min(16, b.length - 23)));
        const t = Buffer.from(b.subarray(0, cut));
        t.writeUInt16BE(cut, 16);
        return { kind: 'truncate', bytes: t };
      }
      default: {
        // An MP_UNREACH for a family not negotiated, or with a bad length.
        const mp = Buffer.from([0x80, 15, 3 + r.int(3), 0, 1 + r.int(3), r.int(4), r.int(256)]);
        return { kind: 'mp', bytes: this.withAttribute(b, aStart, aLen, mp.subarray(0, 3 + (mp[2] as number) > mp.length ? mp.length : 3 + (mp[2] as number))) };
      }
    }
  }

  /** `b` with `attr` appended to its path attributes (lengths fixed up). */
  private withAttribute(b: Buffer, aStart: number, aLen: number, attr: Buffer): Buffer {
    const out = Buffer.concat([b.subarray(0, aStart + aLen), attr, b.subarray(aStart + aLen)]);
    out.writeUInt16BE(aLen + attr.length, aStart - 2);
    out.writeUInt16BE(out.length, 16);
    return out.length > 4096 ? b : out;
  }

  /** Damage RFC 4271 answers with a NOTIFICATION (or a peer sending one). */
  private hard(nextHop: number): Buffer {
    const r = this.rng;
    switch (r.int(6)) {
      case 0: {
        const b = this.valid(nextHop);
        b[r.int(16)] = r.int(255);
        return b;
      }
      case 1: {
        const b = this.valid(nextHop);
        b.writeUInt16BE(r.chance(0.5) ? r.int(19) : 4097 + r.int(60000), 16);
        return b;
      }
      case 2: {
        const body = Buffer.alloc(r.int(64));
        for (let i = 0; i < body.length; i++) body[i] = r.int(256);
        const b = Buffer.concat([Buffer.alloc(19, 0xff), body]);
        b.writeUInt16BE(b.length, 16);
        b[18] = r.chance(0.5) ? 1 + r.int(5) : r.int(256);
        return b;
      }
      case 3:
        return encodeNotification({ code: 1 + r.int(7), subcode: r.int(12), data: Buffer.alloc(r.int(8), r.int(256)) });
      case 4:
        // A KEEPALIVE with a body: Bad Message Length.
        return message(4, 1 + r.int(4));
      default:
        // A ROUTE-REFRESH of the wrong length (RFC 7313: Invalid Message Length).
        return message(5, 5 + r.int(3));
    }
  }
}

/** Weights of the soft mutations, in the order of the switch in Mutator.next. */
const WEIGHTS = [15, 15, 15, 10, 15, 10, 1, 2, 10];

function pick(r: Rng, weights: readonly number[]): number {
  let x = r.int(weights.reduce((a, b) => a + b, 0));
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i] as number;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

/** A message of `type` with a zeroed body of `body` bytes. */
function message(type: number, body: number): Buffer {
  const b = Buffer.alloc(19 + body);
  b.fill(0xff, 0, 16);
  b.writeUInt16BE(b.length, 16);
  b[18] = type;
  return b;
}
