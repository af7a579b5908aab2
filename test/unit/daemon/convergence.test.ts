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

t.test('start-up: which failed attempts stop the wait for a neighbour', async (t) => {
  const { Startup } = await import('../../../src/daemon/startup.js');
  const { State } = await import('../../../src/session/fsm.js');
  type StartupDeps = ConstructorParameters<typeof Startup>[0];
  const quiet = { info: () => undefined, warn: () => undefined } as unknown as StartupDeps['log'];
  const deps: StartupDeps = {
    config: () => ({ gracefulRestart: {}, neighbors: [] }) as unknown as ReturnType<StartupDeps['config']>,
    peers: () => new Map(),
    socketPath: null,
    clock: new FakeClock(),
    log: quiet,
    onTableComplete: () => undefined,
  };
  const why: string[] = [];
  const s = new Startup(deps);
  s.exportConvergence = new Convergence(['refused', 'reset', 'bad-open', 'ended'], (w) => why.push(w));
  type FakePeer = Parameters<InstanceType<typeof Startup>['stateChange']>[0];
  const peer = (address: string, code = 0): FakePeer => ({ config: { address }, lastNotice: code ? { sent: false, notification: { code, subcode: 0, data: Buffer.alloc(0) } } : null, params: null }) as unknown as FakePeer;
  // Refused before an OPEN: not waited for.
  s.stateChange(peer('refused'), State.CONNECT, State.ACTIVE);
  t.same(s.exportConvergence.pending.sort(), ['bad-open', 'ended', 'reset']);
  // Closed after our OPEN with a Cease (a peer still holding our previous run's session): waited
  // for until the third such failure.
  const reset = peer('reset', 6);
  s.stateChange(reset, State.OPEN_SENT, State.IDLE);
  s.stateChange(reset, State.OPEN_CONFIRM, State.IDLE);
  t.ok(s.exportConvergence.pending.includes('reset'), 'still waited for after two');
  s.stateChange(reset, State.OPEN_SENT, State.IDLE);
  t.notOk(s.exportConvergence.pending.includes('reset'), 'not after the third');
  // Our OPEN refused: a retry brings the same.
  s.stateChange(peer('bad-open', 2), State.OPEN_SENT, State.IDLE);
  t.same(s.exportConvergence.pending, ['ended']);
  t.same(why, []);
  s.exportConvergence.endOfRib('ended');
  t.same(why, ['End-of-RIB from every neighbor']);
});
