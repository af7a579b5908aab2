/** RFC 4271 §8 transitions, table-driven: (state, event) -> next state and the actions that matter. */
import t from 'tap';
import { DEFAULT_FSM_CONFIG, State, initialFsmState, step, type FsmAction, type FsmEvent, type FsmState } from '../../../src/session/fsm.js';

const cfg = { ...DEFAULT_FSM_CONFIG, holdTime: 90, connectRetryTime: 5 };
const cease = { code: 6, subcode: 2, data: Buffer.from([0]) };
const err = { code: 3, subcode: 1, data: Buffer.alloc(0) };

function at(state: State, patch: Partial<FsmState> = {}): FsmState {
  return { ...initialFsmState(cfg), enabled: true, state, holdTime: 90, keepaliveTime: 30, ...patch };
}

function summary(actions: FsmAction[]): string[] {
  return actions
    .filter((a) => a.type !== 'stop-timer')
    .map((a) => {
      if (a.type === 'start-timer') return `start ${a.timer} ${a.seconds}`;
      if (a.type === 'send-notification') return `notify ${a.notification.code}/${a.notification.subcode}`;
      if (a.type === 'down') return a.notified ? 'down' : 'down quietly';
      return a.type;
    });
}

interface Row {
  from: State;
  event: FsmEvent;
  to: State;
  actions: string[];
  patch?: Partial<FsmState>;
  config?: Partial<typeof cfg>;
}

const rows: Row[] = [
  { from: State.IDLE, event: { type: 'ManualStart' }, to: State.CONNECT, actions: ['start connectRetry 5', 'connect'], patch: { enabled: false } },
  { from: State.IDLE, event: { type: 'ManualStart' }, to: State.ACTIVE, actions: ['start connectRetry 5'], patch: { enabled: false }, config: { passive: true } },
  { from: State.IDLE, event: { type: 'TimerExpired', timer: 'idleHold' }, to: State.CONNECT, actions: ['start connectRetry 5', 'connect'] },
  { from: State.IDLE, event: { type: 'TcpConnectionConfirmed' }, to: State.IDLE, actions: ['close'], patch: { enabled: false } },
  { from: State.IDLE, event: { type: 'TcpConnectionConfirmed' }, to: State.OPEN_SENT, actions: ['send-open', 'start hold 240'] },
  { from: State.CONNECT, event: { type: 'TcpConnectionConfirmed' }, to: State.OPEN_SENT, actions: ['send-open', 'start hold 240'] },
  { from: State.CONNECT, event: { type: 'TcpConnectionConfirmed' }, to: State.CONNECT, actions: ['start delayOpen 3'], config: { delayOpenTime: 3 } },
  { from: State.CONNECT, event: { type: 'TimerExpired', timer: 'delayOpen' }, to: State.OPEN_SENT, actions: ['send-open', 'start hold 240'] },
  { from: State.CONNECT, event: { type: 'BGPOpen', holdTime: 30 }, to: State.OPEN_CONFIRM, actions: ['send-open', 'send-keepalive', 'start hold 30', 'start keepalive 10'], config: { delayOpenTime: 3 } },
  { from: State.CONNECT, event: { type: 'TcpConnectionFails', reason: 'refused' }, to: State.ACTIVE, actions: ['start connectRetry 5'] },
  { from: State.CONNECT, event: { type: 'TimerExpired', timer: 'connectRetry' }, to: State.CONNECT, actions: ['start connectRetry 5', 'close', 'connect'] },
  { from: State.ACTIVE, event: { type: 'TimerExpired', timer: 'connectRetry' }, to: State.CONNECT, actions: ['start connectRetry 5', 'connect'] },
  { from: State.ACTIVE, event: { type: 'TimerExpired', timer: 'connectRetry' }, to: State.ACTIVE, actions: ['start connectRetry 5'], config: { passive: true } },
  { from: State.ACTIVE, event: { type: 'TcpConnectionConfirmed' }, to: State.OPEN_SENT, actions: ['send-open', 'start hold 240'] },
  { from: State.ACTIVE, event: { type: 'KeepAliveMsg' }, to: State.IDLE, actions: ['notify 5/0', 'close', 'start idleHold 5'] },
  { from: State.OPEN_SENT, event: { type: 'BGPOpen', holdTime: 9 }, to: State.OPEN_CONFIRM, actions: ['send-keepalive', 'start hold 9', 'start keepalive 3'] },
  { from: State.OPEN_SENT, event: { type: 'BGPOpen', holdTime: 0 }, to: State.OPEN_CONFIRM, actions: ['send-keepalive'] },
  { from: State.OPEN_SENT, event: { type: 'TcpConnectionFails', reason: 'reset' }, to: State.ACTIVE, actions: ['close', 'start connectRetry 5'] },
  { from: State.OPEN_SENT, event: { type: 'TimerExpired', timer: 'hold' }, to: State.IDLE, actions: ['notify 4/0', 'close', 'down', 'start idleHold 5'] },
  { from: State.OPEN_SENT, event: { type: 'MessageError', notification: err, reason: 'bad' }, to: State.IDLE, actions: ['notify 3/1', 'close', 'down', 'start idleHold 5'] },
  { from: State.OPEN_SENT, event: { type: 'NotifMsg', reason: 'x' }, to: State.IDLE, actions: ['close', 'down', 'start idleHold 5'] },
  { from: State.OPEN_SENT, event: { type: 'KeepAliveMsg' }, to: State.IDLE, actions: ['notify 5/1', 'close', 'down', 'start idleHold 5'] },
  { from: State.OPEN_CONFIRM, event: { type: 'KeepAliveMsg' }, to: State.ESTABLISHED, actions: ['start hold 90', 'established'] },
  { from: State.OPEN_CONFIRM, event: { type: 'TimerExpired', timer: 'keepalive' }, to: State.OPEN_CONFIRM, actions: ['send-keepalive', 'start keepalive 30'] },
  { from: State.OPEN_CONFIRM, event: { type: 'UpdateMsg' }, to: State.IDLE, actions: ['notify 5/2', 'close', 'down', 'start idleHold 5'] },
  { from: State.OPEN_CONFIRM, event: { type: 'TimerExpired', timer: 'hold' }, to: State.IDLE, actions: ['notify 4/0', 'close', 'down', 'start idleHold 5'] },
  { from: State.OPEN_CONFIRM, event: { type: 'CollisionWinnerOpen', holdTime: 9 }, to: State.OPEN_CONFIRM, actions: ['send-keepalive', 'start hold 9', 'start keepalive 3'] },
  { from: State.ESTABLISHED, event: { type: 'UpdateMsg' }, to: State.ESTABLISHED, actions: ['start hold 90'] },
  { from: State.ESTABLISHED, event: { type: 'KeepAliveMsg' }, to: State.ESTABLISHED, actions: ['start hold 90'] },
  { from: State.ESTABLISHED, event: { type: 'RouteRefreshMsg' }, to: State.ESTABLISHED, actions: ['start hold 90'] },
  { from: State.ESTABLISHED, event: { type: 'TimerExpired', timer: 'keepalive' }, to: State.ESTABLISHED, actions: ['send-keepalive', 'start keepalive 30'] },
  { from: State.ESTABLISHED, event: { type: 'TimerExpired', timer: 'hold' }, to: State.IDLE, actions: ['notify 4/0', 'close', 'down', 'start idleHold 5'] },
  { from: State.ESTABLISHED, event: { type: 'BGPOpen', holdTime: 9 }, to: State.IDLE, actions: ['notify 5/3', 'close', 'down', 'start idleHold 5'] },
  { from: State.ESTABLISHED, event: { type: 'TcpConnectionFails', reason: 'reset' }, to: State.IDLE, actions: ['close', 'down quietly', 'start idleHold 5'] },
  { from: State.ESTABLISHED, event: { type: 'MessageError', notification: err, reason: 'bad' }, to: State.IDLE, actions: ['notify 3/1', 'close', 'down', 'start idleHold 5'] },
  { from: State.ESTABLISHED, event: { type: 'ManualStop', notification: cease }, to: State.IDLE, actions: ['notify 6/2', 'close', 'down'] },
  // A stop for a restart: closed without NOTIFICATION, so a graceful-restart helper keeps our routes.
  { from: State.ESTABLISHED, event: { type: 'ManualStop', notification: null }, to: State.IDLE, actions: ['close', 'down quietly'] },
  { from: State.ESTABLISHED, event: { type: 'NotifMsg', reason: 'x' }, to: State.IDLE, actions: ['close', 'down', 'start idleHold 5'] },
  { from: State.CONNECT, event: { type: 'ManualStop', notification: cease }, to: State.IDLE, actions: ['close'] },
  { from: State.IDLE, event: { type: 'ManualStop', notification: cease }, to: State.IDLE, actions: ['close'] },
  // A liveness check (BFD) ends the session: AutomaticStop, with or without a hold.
  { from: State.ESTABLISHED, event: { type: 'AutomaticStop', notification: { code: 6, subcode: 10, data: Buffer.alloc(0) }, reason: 'BFD down', hold: false }, to: State.IDLE, actions: ['notify 6/10', 'close', 'down', 'start idleHold 5'] },
  { from: State.ESTABLISHED, event: { type: 'AutomaticStop', notification: { code: 6, subcode: 10, data: Buffer.alloc(0) }, reason: 'BFD down', hold: true }, to: State.IDLE, actions: ['notify 6/10', 'close', 'down'] },
  { from: State.ESTABLISHED, event: { type: 'AutomaticStop', notification: null, reason: 'BFD down', hold: true }, to: State.IDLE, actions: ['close', 'down quietly'] },
  { from: State.CONNECT, event: { type: 'AutomaticStop', notification: { code: 6, subcode: 10, data: Buffer.alloc(0) }, reason: 'BFD down', hold: true }, to: State.IDLE, actions: ['close'] },
  { from: State.IDLE, event: { type: 'AutomaticStop', notification: null, reason: 'waiting for BFD', hold: true }, to: State.IDLE, actions: [] },
  // Held: nothing connects until Release.
  { from: State.IDLE, event: { type: 'ManualStart' }, to: State.IDLE, actions: [], patch: { held: true, enabled: false } },
  { from: State.IDLE, event: { type: 'TimerExpired', timer: 'idleHold' }, to: State.IDLE, actions: [], patch: { held: true } },
  { from: State.IDLE, event: { type: 'TcpConnectionConfirmed' }, to: State.IDLE, actions: ['close'], patch: { held: true } },
  { from: State.IDLE, event: { type: 'Release' }, to: State.CONNECT, actions: ['start connectRetry 5', 'connect'], patch: { held: true } },
  { from: State.IDLE, event: { type: 'Release' }, to: State.IDLE, actions: [], patch: { held: true, enabled: false } },
  { from: State.ESTABLISHED, event: { type: 'Release' }, to: State.ESTABLISHED, actions: [] },
];

for (const r of rows) {
  const c = { ...cfg, ...r.config };
  t.test(`${r.from} + ${r.event.type}${'timer' in r.event ? `(${r.event.timer})` : ''}${r.config ? ` ${JSON.stringify(r.config)}` : ''} -> ${r.to}`, async (t) => {
    const res = step(at(r.from, r.patch), r.event, c, 1000);
    t.equal(res.state.state, r.to);
    t.same(summary(res.actions), r.actions);
  });
}

t.test('manual stop disables automatic restart; idle hold doubles after each failure up to the cap', async (t) => {
  let s = at(State.ESTABLISHED, { establishedAt: 0 });
  s = step(s, { type: 'ManualStop', notification: cease }, cfg, 1000).state;
  t.equal(s.enabled, false);
  t.equal(step(s, { type: 'TimerExpired', timer: 'idleHold' }, cfg, 2000).state.state, State.IDLE);
  let f = at(State.OPEN_SENT);
  const holds: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = step(f, { type: 'TimerExpired', timer: 'hold' }, cfg, 0);
    const start = r.actions.find((a) => a.type === 'start-timer' && a.timer === 'idleHold');
    holds.push(start && start.type === 'start-timer' ? start.seconds : -1);
    f = { ...r.state, state: State.OPEN_SENT };
  }
  t.same(holds, [5, 10, 20, 30, 30]);
});

t.test('a session that was up for the stable time resets the backoff', async (t) => {
  const s = at(State.ESTABLISHED, { establishedAt: 0, idleHold: 30 });
  const r = step(s, { type: 'TimerExpired', timer: 'hold' }, cfg, 61_000);
  t.ok(r.actions.some((a) => a.type === 'start-timer' && a.timer === 'idleHold' && a.seconds === 5));
  const r2 = step(s, { type: 'TimerExpired', timer: 'hold' }, cfg, 10_000);
  t.ok(r2.actions.some((a) => a.type === 'start-timer' && a.timer === 'idleHold' && a.seconds === 30));
});

t.test('a passive peer with fallback dials once the connect-retry time passes', async (t) => {
  const c = { ...cfg, passive: true, passiveFallback: true };
  const started = step(initialFsmState(c), { type: 'ManualStart' }, c, 0);
  t.equal(started.state.state, State.ACTIVE, 'waits first');
  t.notOk(started.actions.some((a) => a.type === 'connect'));
  const r = step(started.state, { type: 'TimerExpired', timer: 'connectRetry' }, c, 5000);
  t.equal(r.state.state, State.CONNECT);
  t.ok(r.actions.some((a) => a.type === 'connect'), 'then dials');
});

t.test('an OPEN during DelayOpen keeps the configured keepalive interval for later keepalives too', async (t) => {
  const c = { ...cfg, delayOpenTime: 3, keepaliveTime: 5 };
  const r = step(at(State.CONNECT), { type: 'BGPOpen', holdTime: 30 }, c, 1000);
  t.same(summary(r.actions).filter((a) => a.startsWith('start keepalive')), ['start keepalive 5'], 'the first keepalive after 5 s');
  t.equal(r.state.keepaliveTime, 5, 'and every later one: 5 s, not hold/3 = 10 s');
  const later = step({ ...r.state, state: State.ESTABLISHED }, { type: 'TimerExpired', timer: 'keepalive' }, c, 6000);
  t.same(summary(later.actions).filter((a) => a.startsWith('start keepalive')), ['start keepalive 5']);
});

t.test('a refused connection is retried after 1 s, doubling per refusal in a row up to connectRetryTime; any other failure waits the full time', async (t) => {
  const c = { ...cfg, connectRetryTime: 10 };
  const retries: number[] = [];
  let s = step(initialFsmState(c), { type: 'ManualStart' }, c, 0).state;
  for (let i = 0; i < 6; i++) {
    const r = step(s, { type: 'TcpConnectionFails', reason: 'connect ECONNREFUSED', refused: true }, c, 0);
    const start = r.actions.find((a) => a.type === 'start-timer' && a.timer === 'connectRetry');
    retries.push(start && start.type === 'start-timer' ? start.seconds : -1);
    t.equal(r.state.state, State.ACTIVE);
    s = step(r.state, { type: 'TimerExpired', timer: 'connectRetry' }, c, 0).state;
    t.equal(s.state, State.CONNECT, 'dials again when the timer goes off');
  }
  t.same(retries, [1, 2, 4, 8, 10, 10]);
  const timeout = step(s, { type: 'TcpConnectionFails', reason: 'connect ETIMEDOUT' }, c, 0);
  t.same(summary(timeout.actions), ['start connectRetry 10'], 'a timeout (nobody answered) waits the full time');
  t.equal(timeout.state.refusedStreak, 0, 'and ends the streak');
  const up = step(s, { type: 'TcpConnectionConfirmed' }, c, 0);
  t.equal(up.state.refusedStreak, 0, 'a connection that opens ends the streak');
  const again = step({ ...up.state, state: State.CONNECT }, { type: 'TcpConnectionFails', reason: 'refused', refused: true }, c, 0);
  t.same(summary(again.actions), ['start connectRetry 1'], 'so the next refusal is retried after 1 s again');
  const slow = { ...c, connectRetryTime: 1 };
  t.same(summary(step(at(State.CONNECT), { type: 'TcpConnectionFails', reason: 'refused', refused: true }, slow, 0).actions), ['start connectRetry 1'], 'never longer than connectRetryTime');
});
