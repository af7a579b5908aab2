import t from 'tap';
import { lastByteMask, maskBytes, samePrefix } from '../../../src/wire/nlri.js';

// Every length 0-128 against the mask made bit by bit: the last byte a prefix uses keeps its
// significant bits only, and maskBytes clears every host bit of a prefix's bytes.
t.test('lastByteMask and maskBytes against a bit-by-bit reference', async (t) => {
  for (let len = 0; len <= 128; len++) {
    const rest = len % 8;
    let want = 0;
    for (let bit = 0; bit < (rest === 0 ? 8 : rest); bit++) want |= 0x80 >> bit;
    t.equal(lastByteMask(len), want, `last byte of a /${len}`);
    const b = Buffer.alloc(16, 0xff);
    maskBytes(b, len);
    for (let bit = 0; bit < 128; bit++) {
      const set = ((b[bit >> 3] as number) & (0x80 >> (bit & 7))) !== 0;
      if (set !== bit < len) t.fail(`/${len}: bit ${bit} is ${set ? 'set' : 'clear'}`);
    }
  }
});

// samePrefix compares the first `length` bits only, at any offsets: for every length, two byte
// strings that differ in one bit are the same prefix exactly when that bit lies past the length.
t.test('samePrefix against a bit-by-bit reference, at offsets', async (t) => {
  const a = Buffer.alloc(20);
  for (let i = 0; i < a.length; i++) a[i] = (i * 37 + 11) & 0xff;
  for (let len = 0; len <= 128; len += 1) {
    for (let bit = 0; bit < 128; bit += 5) {
      const b = Buffer.alloc(19);
      a.copy(b, 3, 2, 18);
      b[3 + (bit >> 3)] = (b[3 + (bit >> 3)] as number) ^ (0x80 >> (bit & 7));
      if (samePrefix(a, 2, b, 3, len) !== bit >= len) t.fail(`/${len}, bit ${bit} flipped`);
    }
    t.ok(samePrefix(a, 2, a, 2, len), `/${len} is itself`);
  }
});
