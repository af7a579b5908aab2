/**
 * npm run bench:wire — codec throughput on one core: 1M IPv4 /24s and 1M IPv6 /48s in 500-prefix
 * UPDATEs sharing 16 attribute sets. Encode packs prefixes with UpdateWriter; decode frames the
 * byte stream in 64 KiB chunks (as a socket delivers it), scans and decodes every UPDATE's
 * attributes and walks every prefix.
 */
import { Family } from '../src/wire/constants.js';
import { makeContext } from '../src/wire/context.js';
import { MessageFramer } from '../src/wire/framer.js';
import { PrefixBatch } from '../src/wire/prefix-batch.js';
import { UpdateWriter } from '../src/wire/update-writer.js';
import { decodeAttributes, encodePathAttributes, scanUpdate } from '../src/wire/update.js';
import { NlriCursor } from '../src/wire/nlri.js';
import type { PathAttribute } from '../src/wire/attributes/types.js';

const N = Number(process.env.N ?? 1_000_000);
const PER_UPDATE = 500;
const SETS = 16;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ctx = makeContext({});

function attributeSets(v6: boolean): Buffer[] {
  const sets: Buffer[] = [];
  for (let k = 0; k < SETS; k++) {
    const attrs: PathAttribute[] = [
      { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
      { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns: [64512, 65000 + k] }] },
      { kind: 'med', type: 4, flags: 0x80, med: k },
      { kind: 'local-pref', type: 5, flags: 0x40, localPref: 100 },
      { kind: 'communities', type: 8, flags: 0xc0, communities: [(64512 * 65536 + k) >>> 0] },
    ];
    if (!v6) attrs.splice(2, 0, { kind: 'next-hop', type: 3, flags: 0x40, nextHop: 0xc6120001 });
    sets.push(encodePathAttributes(attrs, ctx));
  }
  return sets;
}

function prefixes(family: Family): PrefixBatch {
  const b = new PrefixBatch(family, N);
  const p = Buffer.alloc(16);
  for (let i = 0; i < N; i++) {
    if (family === Family.IPV4_UNICAST) {
      // /24s from 240.0.0.0/4 upward: data only, never a traffic target.
      b.pushV4((0xf0000000 + i * 256) >>> 0, 24);
    } else {
      p.writeUInt32BE(0x20010db8, 0);
      p.writeUInt16BE(i & 0xffff, 4);
      p.writeUInt16BE(i >>> 16, 6);
      b.pushV6(p, 0, 48);
    }
  }
  return b;
}

function encode(batch: PrefixBatch, sets: Buffer[], out: Buffer): number {
  const w = new UpdateWriter(4096);
  const nh = Buffer.from('20010db8000000000000000000000001', 'hex');
  let off = 0;
  let k = 0;
  for (let i = 0; i < batch.count; ) {
    const to = Math.min(i + PER_UPDATE, batch.count);
    const attrs = sets[k++ % SETS] as Buffer;
    const next =
      batch.family === Family.IPV4_UNICAST
        ? w.announceV4(out, off, attrs, batch, i, to)
        : w.announceMp(out, off, attrs, nh, batch, i, to);
    if (next !== to) throw new Error('500 prefixes did not fit one UPDATE');
    off += w.length;
    i = next;
  }
  return off;
}

function decode(stream: Buffer): { prefixes: number; checksum: number } {
  const framer = new MessageFramer(ctx);
  const cursor = new NlriCursor();
  let prefixes = 0;
  let checksum = 0;
  for (let off = 0; off < stream.length; off += 65536) {
    framer.push(stream.subarray(off, Math.min(off + 65536, stream.length)));
    for (let f = framer.next(); f; f = framer.next()) {
      const u = scanUpdate(f.buf, f.offset, f.offset + f.length, ctx);
      decodeAttributes(u, ctx);
      if (u.error) throw new Error(u.error.message);
      checksum = (checksum + u.attrEnd - u.attrStart) >>> 0;
      const block = u.mpReach?.nlri ?? u.nlri;
      cursor.reset(block);
      while (cursor.next()) {
        prefixes++;
        checksum = (checksum + cursor.v4 + cursor.length + cursor.bytesAt) >>> 0;
      }
    }
  }
  return { prefixes, checksum };
}

function run(family: Family, label: string): { encode: number; decode: number; bytes: number } {
  const batch = prefixes(family);
  const sets = attributeSets(family === Family.IPV6_UNICAST);
  const out = Buffer.alloc(Math.ceil(N / PER_UPDATE) * 4096);
  let bestEnc = Infinity;
  let bestDec = Infinity;
  let bytes = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = process.hrtime.bigint();
    bytes = encode(batch, sets, out);
    bestEnc = Math.min(bestEnc, Number(process.hrtime.bigint() - t0) / 1e9);
    const stream = out.subarray(0, bytes);
    t0 = process.hrtime.bigint();
    const d = decode(stream);
    bestDec = Math.min(bestDec, Number(process.hrtime.bigint() - t0) / 1e9);
    if (d.prefixes !== N) throw new Error(`decoded ${d.prefixes} of ${N}`);
  }
  const enc = N / bestEnc;
  const dec = N / bestDec;
  console.log(
    `${label.padEnd(12)} encode ${(enc / 1e6).toFixed(1).padStart(6)} M prefixes/s   decode ${(dec / 1e6).toFixed(1).padStart(6)} M prefixes/s   (${N} prefixes, ${(bytes / 1e6).toFixed(1)} MB, best of ${ROUNDS})`,
  );
  return { encode: enc, decode: dec, bytes };
}

const v4 = run(Family.IPV4_UNICAST, 'IPv4 /24');
const v6 = run(Family.IPV6_UNICAST, 'IPv6 /48');
if (process.env.JSON) console.log(JSON.stringify({ v4, v6 }));
