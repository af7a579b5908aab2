/**
 * Bounded mutation test: random bit flips, byte changes, truncations and extensions of every valid
 * vector. decode must only ever return data or a typed BgpError; any other exception fails.
 */
import t from 'tap';
import { decodeMessage, encodeMessage } from '../../../src/wire/message.js';
import { describeMessage } from '../../../src/wire/describe.js';
import { BgpError } from '../../../src/wire/errors.js';
import { FIXTURES, loadFixtures } from '../../helpers/wire-fixtures.js';

const ITERATIONS = Number(process.env.WREN_MUTATIONS ?? 100_000);
const fixtures = loadFixtures(FIXTURES);

// A small deterministic PRNG (xorshift32) so failures can be replayed from the seed.
let state = Number(process.env.WREN_SEED ?? 0x2545f491) >>> 0;
function rand(n: number): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state % n;
}

function mutate(src: Buffer): Buffer {
  const b = Buffer.from(src);
  switch (rand(5)) {
    case 0: {
      const n = 1 + rand(4);
      for (let i = 0; i < n; i++) {
        const at = 16 + rand(Math.max(1, b.length - 16));
        if (at < b.length) b[at] = (b[at] as number) ^ (1 << rand(8));
      }
      return b;
    }
    case 1: {
      const at = 19 + rand(Math.max(1, b.length - 19));
      if (at < b.length) b[at] = rand(256);
      return b;
    }
    case 2: {
      // Truncate but keep the length field consistent, so the body parser sees the damage.
      const len = 19 + rand(Math.max(1, b.length - 19));
      const out = b.subarray(0, len);
      out.writeUInt16BE(len, 16);
      return out;
    }
    case 3: {
      const extra = Buffer.alloc(1 + rand(8));
      for (let i = 0; i < extra.length; i++) extra[i] = rand(256);
      const out = Buffer.concat([b, extra]);
      out.writeUInt16BE(Math.min(out.length, 65535), 16);
      return out;
    }
    default: {
      // Damage a length byte inside the body (common parser crash site).
      const at = 19 + rand(Math.max(1, Math.min(b.length - 19, 40)));
      if (at < b.length) b[at] = (b[at] as number) + 1 + rand(3);
      return b;
    }
  }
}

t.test(`${ITERATIONS} mutated messages decode to data or a typed error`, async (t) => {
  let errors = 0;
  let decoded = 0;
  let unexpected: unknown = null;
  for (let i = 0; i < ITERATIONS && unexpected === null; i++) {
    const f = fixtures[rand(fixtures.length)]!;
    const input = mutate(f.bytes);
    try {
      const r = decodeMessage(input, 0, f.context);
      if (r.ok) {
        decoded++;
        // Whatever decodes must also describe and re-encode without throwing.
        describeMessage(r.value);
        if (r.value.type !== 'update' || r.value.update.error === null) encodeMessage(r.value, f.context);
      } else {
        if (!(r.error instanceof BgpError)) unexpected = r.error;
        errors++;
      }
    } catch (err) {
      unexpected = { err, fixture: f.name, input: input.toString('hex') };
    }
  }
  t.equal(unexpected, null, 'no untyped exception');
  t.ok(errors > 0 && decoded > 0, `${decoded} decoded, ${errors} typed errors`);
});
