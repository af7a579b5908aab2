import t from 'tap';
import { MessageFramer } from '../../../src/wire/framer.js';
import { DEFAULT_CONTEXT } from '../../../src/wire/context.js';
import { encodeKeepalive } from '../../../src/wire/keepalive.js';
import { encodeRouteRefresh } from '../../../src/wire/route-refresh.js';
import { BgpError } from '../../../src/wire/errors.js';

const stream = Buffer.concat([encodeKeepalive(), encodeRouteRefresh({ afi: 1, subtype: 0, safi: 1 }), encodeKeepalive()]);

t.test('frames a stream fed one byte at a time', async (t) => {
  const f = new MessageFramer(DEFAULT_CONTEXT);
  const types: number[] = [];
  for (let i = 0; i < stream.length; i++) {
    f.push(stream.subarray(i, i + 1));
    for (let m = f.next(); m; m = f.next()) types.push(m.type);
  }
  t.same(types, [4, 5, 4]);
  t.equal(f.buffered, 0);
});

t.test('frames several messages in one chunk, then a split one', async (t) => {
  const f = new MessageFramer(DEFAULT_CONTEXT);
  f.push(Buffer.concat([stream, stream.subarray(0, 10)]));
  const types: number[] = [];
  for (let m = f.next(); m; m = f.next()) types.push(m.type);
  t.same(types, [4, 5, 4]);
  t.equal(f.buffered, 10);
  f.push(stream.subarray(10, 19));
  t.equal(f.next()?.type, 4);
});

t.test('a bad marker is a typed error', async (t) => {
  const f = new MessageFramer(DEFAULT_CONTEXT);
  const bad = Buffer.from(encodeKeepalive());
  bad[3] = 0;
  f.push(bad);
  t.throws(() => f.next(), BgpError);
});
