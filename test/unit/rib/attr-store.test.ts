import t from 'tap';
import { AttrStore } from '../../../src/rib/attr-store.js';
import { NO_NEXT_HOP } from '../../../src/rib/attr-set.js';
import { seededRandom as rng } from '../../helpers/seeded.js';

// The store's hash index against a Map model: sets interned under few hashes (long probe runs,
// colliding hashes), released in random order, every remaining set still found by its bytes.

const fields = { origin: 0, pathLength: 1, neighborAs: 65000, localPref: 100, med: -1, originatorId: -1, clusterLength: 0, llgrStale: false, noLlgr: false };

t.test('find, intern and release agree with a model, through growth and colliding hashes', async (t) => {
  const next = rng(5);
  const store = new AttrStore();
  const model = new Map<string, ReturnType<AttrStore['get']>>();
  const keyOf = (n: number) => Buffer.from(`set-${n}`, 'latin1');
  // Few distinct hashes, some negative (int32): long runs wrap around the index.
  const hashOf = (n: number) => ((n % 37) * 0x9e3779b1) | 0;
  let bad = 0;
  for (let op = 0; op < 60_000; op++) {
    const n = Math.floor(next() * 5000);
    const k = keyOf(n);
    const have = model.get(k.toString('latin1'));
    if (next() < 0.6) {
      const s = store.intern(hashOf(n), k, () => ({ fields, nextHop: NO_NEXT_HOP }));
      if (have && s !== have) bad++;
      if (!have) {
        store.ref(s);
        model.set(k.toString('latin1'), s);
      }
    } else if (have) {
      store.unref(have);
      model.delete(k.toString('latin1'));
      if (store.find(hashOf(n), k) !== undefined) bad++;
    }
    if (store.size !== model.size) bad++;
  }
  t.equal(bad, 0, 'no disagreement in 60,000 operations');
  let missing = 0;
  for (const [k, s] of model) if (store.find(hashOf(Number(k.slice(4))), Buffer.from(k, 'latin1')) !== s) missing++;
  t.equal(missing, 0, `all ${model.size} remaining sets found`);
  t.ok(store.size > 1000, 'the index grew past its first size');
});

t.test('releasing a set another store holds, or one freed already, changes nothing', async (t) => {
  const a = new AttrStore();
  const b = new AttrStore();
  const x = a.intern(7, Buffer.from('x'), () => ({ fields, nextHop: NO_NEXT_HOP }));
  const y = b.intern(7, Buffer.from('y'), () => ({ fields, nextHop: NO_NEXT_HOP }));
  a.release(y);
  t.equal(a.find(7, Buffer.from('x')), x);
  t.equal(a.size, 1);
  a.release(x);
  a.release(x);
  t.equal(a.size, 0);
  t.equal(b.find(7, Buffer.from('y')), y);
});
