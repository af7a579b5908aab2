/** Startup convergence: End-of-RIB from every expected neighbour, or gone, or the timer. */
import t from 'tap';
import { Convergence } from '../../../src/daemon/convergence.js';

t.test('done when every expected neighbor has sent End-of-RIB or is gone', async (t) => {
  const why: string[] = [];
  const c = new Convergence(['a', 'b', 'c'], (w) => why.push(w));
  c.start(60);
  c.endOfRib('a');
  c.endOfRib('x'); // not expected: no effect
  t.same(c.pending.sort(), ['b', 'c']);
  c.gone('b');
  t.same(why, []);
  c.endOfRib('c');
  t.same(why, ['End-of-RIB from every neighbor']);
  c.endOfRib('c');
  t.equal(why.length, 1, 'once');
});

t.test('the timer ends it; with nobody to wait for it ends at once; timerOnly waits the timer', async (t) => {
  const why: string[] = [];
  new Convergence([], (w) => why.push(w)).start(60);
  t.same(why, ['no neighbors to wait for']);
  const c = new Convergence(['a'], (w) => why.push(w));
  c.start(0.05);
  await new Promise((r) => setTimeout(r, 100));
  t.same(why.at(-1), 'timeout');
  const onlyTimer = new Convergence([], (w) => why.push(w), true);
  onlyTimer.start(0.05);
  t.equal(why.length, 2, 'a listen range: not done at once');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(why.at(-1), 'timeout');
  t.ok(onlyTimer.done);
});
