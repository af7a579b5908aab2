import t from 'tap';
import { lastByteMask, maskBytes } from '../../../src/wire/nlri.js';

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
