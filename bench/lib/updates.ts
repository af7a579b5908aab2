/** UPDATEs for in-process benchmarks: N IPv4 /24s from 240.0.0.0, 500 per UPDATE, 16 attribute sets. */
import { Family } from '../../src/wire/constants.js';
import type { CodecContext } from '../../src/wire/context.js';
import { PrefixBatch } from '../../src/wire/prefix-batch.js';
import { UpdateWriter } from '../../src/wire/update-writer.js';
import { encodePathAttributes } from '../../src/wire/update.js';
import type { PathAttribute } from '../../src/wire/attributes/types.js';

export function updates(N: number, ctx: CodecContext): Buffer[] {
  const sets: Buffer[] = [];
  for (let k = 0; k < 16; k++) {
    const a: PathAttribute[] = [
      { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
      { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns: [65000, 65100 + k] }] },
      { kind: 'next-hop', type: 3, flags: 0x40, nextHop: 0xc6120002 },
      { kind: 'med', type: 4, flags: 0x80, med: k },
    ];
    sets.push(encodePathAttributes(a, ctx));
  }
  const out: Buffer[] = [];
  const w = new UpdateWriter(4096);
  const batch = new PrefixBatch(Family.IPV4_UNICAST, 500);
  for (let i = 0; i < N; i += 500) {
    batch.clear();
    for (let j = i; j < Math.min(N, i + 500); j++) batch.pushV4((0xf0000000 + j * 256) >>> 0, 24);
    const buf = Buffer.alloc(4096);
    w.announceV4(buf, 0, sets[(i / 500) % 16] as Buffer, batch, 0, batch.count);
    out.push(buf.subarray(0, w.length));
  }
  return out;
}

