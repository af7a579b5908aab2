import t from 'tap';
import { as4PathFor, asPathLength, reconstructAsPath } from '../../../src/wire/attributes/as-path.js';

const seq = (...asns: number[]) => ({ type: 2, asns });
const set = (...asns: number[]) => ({ type: 1, asns });
const confed = (...asns: number[]) => ({ type: 3, asns });

t.test('path length: AS_SET counts one, confederation segments none', async (t) => {
  t.equal(asPathLength([seq(1, 2, 3), set(4, 5), confed(6, 7)]), 4);
  t.equal(asPathLength([]), 0);
});

t.test('RFC 6793 reconstruction', async (t) => {
  // A 2-octet speaker prepended 64512 in front of what a 4-octet path already carried.
  t.same(reconstructAsPath([seq(64512, 23456, 23456)], [seq(4200000001, 4200000002)], -1, false), [seq(64512), seq(4200000001, 4200000002)]);
  t.same(reconstructAsPath([seq(23456, 23456)], [seq(4200000001, 4200000002)], -1, false), [seq(4200000001, 4200000002)]);
  // AS4_PATH longer than AS_PATH is ignored.
  t.same(reconstructAsPath([seq(23456)], [seq(4200000001, 4200000002)], -1, false), [seq(23456)]);
  // AGGREGATOR not AS_TRANS with AS4_AGGREGATOR: AS4_PATH is ignored.
  t.same(reconstructAsPath([seq(64512, 23456)], [seq(4200000001)], 64999, true), [seq(64512, 23456)]);
  // AGGREGATOR AS_TRANS with AS4_AGGREGATOR: AS4_PATH is used.
  t.same(reconstructAsPath([seq(64512, 23456)], [seq(4200000001)], 23456, true), [seq(64512), seq(4200000001)]);
  // An AS_SET in the leading part is kept whole.
  t.same(reconstructAsPath([set(1, 2), seq(23456)], [seq(4200000001)], -1, false), [set(1, 2), seq(4200000001)]);
  // Leading confederation segments stay in front.
  t.same(reconstructAsPath([confed(65100), seq(64512, 23456)], [seq(4200000001)], -1, false), [confed(65100), seq(64512), seq(4200000001)]);
  t.same(reconstructAsPath([seq(1)], null, -1, false), [seq(1)]);
});

t.test('AS4_PATH for 2-octet sessions', async (t) => {
  t.equal(as4PathFor([seq(64512, 65001)]), null);
  t.same(as4PathFor([confed(65100), seq(64512, 4200000000)]), [seq(64512, 4200000000)]);
});
