import t from 'tap';
import { DirtySet } from '../../../src/rib/dirty-set.js';
import { seededRandom as rng } from '../../helpers/seeded.js';

t.test('each marked slot is taken once, in slot order from where the last take stopped, wrapping', async (t) => {
  const d = new DirtySet();
  d.grow(5000);
  t.equal(d.take(), -1, 'empty');
  for (const s of [4000, 7, 31, 32, 33, 1023, 1024, 4999, 0]) t.ok(d.mark(s), `marked ${s}`);
  t.notOk(d.mark(31), 'marking twice says so');
  t.equal(d.size, 9);
  t.ok(d.has(1024));
  t.notOk(d.has(1025));
  t.same([d.take(), d.take(), d.take()], [0, 7, 31]);
  // Marked behind the cursor: taken after the wrap, not before what is ahead.
  d.mark(1);
  t.same([d.take(), d.take(), d.take(), d.take(), d.take(), d.take(), d.take()], [32, 33, 1023, 1024, 4000, 4999, 1]);
  t.equal(d.take(), -1);
  t.equal(d.size, 0);
});

t.test('slots beyond the size it was given make it grow', async (t) => {
  const d = new DirtySet();
  t.ok(d.mark(3_000_000));
  t.ok(d.has(3_000_000));
  t.equal(d.take(), 3_000_000);
  t.equal(d.take(), -1);
});

t.test('against a model: random marks and takes, growth between them', async (t) => {
  const next = rng(17);
  for (let round = 0; round < 40; round++) {
    const d = new DirtySet();
    const model = new Set<number>();
    let cap = 64 + Math.floor(next() * 2000);
    d.grow(cap);
    let cursor = 0;
    for (let op = 0; op < 3000; op++) {
      const r = next();
      if (r < 0.02 && cap < 1 << 20) {
        cap *= 2;
        d.grow(cap);
      } else if (r < 0.6) {
        const s = Math.floor(next() * cap);
        if (d.mark(s) === model.has(s)) {
          t.fail(`round ${round} op ${op}: mark(${s}) disagrees with the model`);
          return;
        }
        model.add(s);
      } else {
        const got = d.take();
        if (model.size === 0) {
          if (got !== -1) {
            t.fail(`round ${round} op ${op}: took ${got} from an empty set`);
            return;
          }
          continue;
        }
        // The model's answer: the lowest marked slot after the last one taken, else the lowest.
        const sorted = [...model].sort((a, b) => a - b);
        const want = sorted.find((s) => s >= cursor) ?? (sorted[0] as number);
        if (got !== want) {
          t.fail(`round ${round} op ${op}: took ${got}, the model says ${want}`);
          return;
        }
        model.delete(got);
        cursor = got + 1;
      }
      if (d.size !== model.size) {
        t.fail(`round ${round} op ${op}: size ${d.size}, the model holds ${model.size}`);
        return;
      }
    }
    for (let s = d.take(); s >= 0; s = d.take()) model.delete(s);
    t.equal(model.size, 0, `round ${round}: all taken`);
  }
  t.pass('40 rounds of 3000 operations agreed with the model');
});
