import t from 'tap';
import { PeerTimers } from '../../../src/session/timers.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import type { TimerName } from '../../../src/session/fsm.js';

t.test('restarting a timer moves its expiry; it fires once, at the last start plus its length', async (t) => {
  const clock = new FakeClock(1000);
  const fired: [TimerName, number][] = [];
  const timers = new PeerTimers(clock, (n) => fired.push([n, clock.now()]));
  timers.start('hold', 3);
  clock.advance(2000);
  for (let i = 0; i < 1000; i++) timers.start('hold', 3); // a message per restart
  t.equal(clock.armed, 1, 'one clock timer, however many restarts');
  clock.advance(2500);
  t.same(fired, [], 'not due yet (restarted at 3000)');
  t.ok(timers.running('hold'));
  clock.advance(500);
  t.same(fired, [['hold', 6000]]);
  t.notOk(timers.running('hold'));
  clock.advance(10_000);
  t.equal(fired.length, 1, 'fired once');
});

t.test('a new length starts over; stop and stopAll cancel', async (t) => {
  const clock = new FakeClock(0);
  const fired: TimerName[] = [];
  const timers = new PeerTimers(clock, (n) => fired.push(n));
  timers.start('hold', 240);
  timers.start('hold', 3);
  timers.start('keepalive', 1);
  clock.advance(1000);
  t.same(fired, ['keepalive']);
  clock.advance(2000);
  t.same(fired, ['keepalive', 'hold'], 'the 3 s length, not the 240 s one');
  timers.start('connectRetry', 5);
  timers.start('keepalive', 1);
  timers.stop('connectRetry');
  timers.stopAll();
  clock.advance(10_000);
  t.same(fired, ['keepalive', 'hold']);
  t.equal(clock.armed, 0);
});
