import t from 'tap';
import { LogRateLimit } from '../../../src/log/rate-limit.js';

t.test('repeated log lines are bounded per key, and what was held back is counted', async (t) => {
  let now = 0;
  const rl = new LogRateLimit(3, 1000, () => now);
  const got = Array.from({ length: 10 }, () => rl.allow('peer|withdraw'));
  t.same(got.map((g) => g.log), [true, true, true, false, false, false, false, false, false, false], 'three a window');
  t.ok(rl.allow('other').log, 'other keys are independent');
  now = 1000;
  t.same(rl.allow('peer|withdraw'), { log: true, suppressed: 7 }, 'the next window reports the seven held back');
  t.same(rl.allow('peer|withdraw'), { log: true, suppressed: 0 });
  rl.forget('peer|');
  t.same(rl.allow('peer|withdraw'), { log: true, suppressed: 0 });
});

t.test('fields: null for a held-back line, the count of held-back lines on the next one', async (t) => {
  let now = 0;
  const rl = new LogRateLimit(1, 1000, () => now);
  t.same(rl.fields('k'), {});
  t.equal(rl.fields('k'), null);
  t.equal(rl.fields('k'), null);
  now = 1000;
  t.same(rl.fields('k'), { suppressed: 2 });
});

t.test('many keys: windows long over are dropped, in one pass per window at most', async (t) => {
  let now = 0;
  const rl = new LogRateLimit(1, 1000, () => now);
  for (let i = 0; i < 5000; i++) rl.allow(`stranger|${i}`);
  t.equal(rl.size, 5000, 'within the window nothing is dropped');
  now = 1500;
  rl.allow('new');
  t.equal(rl.size, 1, 'the next window drops the old keys at once');
  for (let i = 0; i < 5000; i++) rl.allow(`again|${i}`);
  t.equal(rl.size, 5001, 'and does not scan again within the same window');
});
