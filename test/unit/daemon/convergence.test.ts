/** Startup convergence: End-of-RIB from every expected neighbour, or gone, or the timer. */
import t from 'tap';
import { Convergence } from '../../../src/daemon/convergence.js';
import { FakeClock } from '../../helpers/fake-clock.js';

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

t.test('the timer ends it; with nobody to wait for it ends at once', async (t) => {
  const why: string[] = [];
  const clock = new FakeClock();
  new Convergence([], (w) => why.push(w), clock).start(60);
  t.same(why, ['no neighbors to wait for']);
  const c = new Convergence(['a'], (w) => why.push(w), clock);
  c.start(10);
  clock.advance(9999);
  t.equal(why.length, 1, 'not before the deferral time');
  clock.advance(1);
  t.same(why.at(-1), 'timeout');
  t.ok(c.done);
  c.endOfRib('a');
  t.equal(why.length, 2, 'once');
});
