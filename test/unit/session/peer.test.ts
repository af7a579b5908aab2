import t from 'tap';
import { FakeLab, type Node } from '../../helpers/session-pair.js';
import { State } from '../../../src/session/fsm.js';
import { NO_PEER_EVENTS } from '../../../src/session/peer.js';
import { decodeMessage } from '../../../src/wire/message.js';
import { DEFAULT_CONTEXT } from '../../../src/wire/context.js';
import { describeNotification } from '../../../src/wire/notification.js';

const A: Node = { address: '192.0.2.1', asn: 64512, routerId: '192.0.2.1' };
const B: Node = { address: '192.0.2.2', asn: 64512, routerId: '192.0.2.2' };
const E: Node = { address: '192.0.2.2', asn: 63400, routerId: '192.0.2.2' };

/** A (active) and B (passive) started on a fresh fake lab and run for a second. */
function startedPair(a: Node = A, b: Node = B, fsmA: Parameters<FakeLab['peer']>[2] = {}, fsmB: Parameters<FakeLab['peer']>[2] = {}) {
  const lab = new FakeLab();
  const pa = lab.peer(a, b, fsmA);
  const pb = lab.peer(b, a, { passive: true, ...fsmB });
  pb.start();
  pa.start();
  lab.run(1000);
  return { lab, a: pa, b: pb };
}

t.test('active and passive peers reach Established and stay up for an hour of fake time', async (t) => {
  const { lab, a, b } = startedPair();
  t.equal(a.state, State.ESTABLISHED);
  t.equal(b.state, State.ESTABLISHED);
  t.equal(a.params?.holdTime, 3);
  t.equal(a.params?.ebgp, false);
  lab.run(3600_000, 500);
  t.equal(a.state, State.ESTABLISHED, 'keepalives keep the 3 s hold timer from expiring');
  t.equal(a.counters.flaps, 0);
});

t.test('negotiated hold time is the smaller one; eBGP is detected', async (t) => {
  const { a, b } = startedPair(A, E, { holdTime: 90 }, { holdTime: 9 });
  t.equal(a.params?.holdTime, 9);
  t.equal(b.params?.holdTime, 9);
  t.equal(a.params?.ebgp, true);
});

t.test('a silent peer: hold timer expires, NOTIFICATION, Idle, then back after the idle hold', async (t) => {
  const { lab, a } = startedPair();
  t.equal(a.state, State.ESTABLISHED);
  // Drop everything B sends to A.
  const aEnd = lab.connections.find((c) => c.localAddress === A.address && !c.closed);
  if (!aEnd) throw new Error('no connection');
  lab.net.blackholes.add(aEnd);
  lab.run(3100, 50);
  t.not(a.state, State.ESTABLISHED, 'dropped within the 3 s hold time');
  t.equal(a.lastError, 'hold timer expired');
  const sent = aEnd.sent.map((m) => decodeMessage(m, 0, DEFAULT_CONTEXT)).filter((r) => r.ok && r.value.type === 'notification');
  t.equal(sent.length, 1, 'A sent one NOTIFICATION');
  lab.net.blackholes.clear();
  lab.run(10_000);
  t.equal(a.state, State.ESTABLISHED, 're-established within seconds');
  t.equal(a.counters.flaps, 1);
});

t.test('administrative stop sends Cease with the shutdown message; no automatic restart', async (t) => {
  const { lab, a, b } = startedPair();
  a.stop('maintenance window');
  lab.run(1000);
  t.equal(a.state, State.IDLE);
  t.equal(b.lastNotification, 'Cease/Administrative Shutdown: maintenance window');
  lab.run(120_000, 1000);
  t.equal(a.state, State.IDLE, 'stays down');
  t.equal(a.enabled, false);
  a.start();
  lab.run(5000);
  t.equal(a.state, State.ESTABLISHED, 'comes back when started again');
});

t.test('a peer configured with the wrong AS gets Bad Peer AS and we see it', async (t) => {
  const lab = new FakeLab();
  const a = lab.peer(A, B);
  const b = lab.peer(B, A, { passive: true }, undefined, 65001);
  b.start();
  a.start();
  lab.run(1500);
  t.not(a.state, State.ESTABLISHED);
  t.equal(a.lastNotification, 'OPEN Message Error/Bad Peer AS');
  t.match(b.lastError, /peer AS 64512, expected 65001/);
});

t.test('idle hold backs off exponentially to its cap and resets after a stable session', async (t) => {
  const lab = new FakeLab();
  const times: number[] = [];
  const a = lab.peer(A, B, {}, { ...NO_PEER_EVENTS, stateChange: (_p, _from, to) => void (to === State.OPEN_SENT && times.push(lab.clock.now())) });
  const b = lab.peer(B, A, { passive: true }, undefined, 65001);
  b.start();
  a.start();
  // Each attempt fails at OPEN; attempts over two minutes come after 5, 10, 20, 30, 30... s.
  lab.run(120_000, 100);
  const gaps = times.slice(1).map((x, i) => Math.round((x - (times[i] as number)) / 1000));
  t.ok(gaps.length >= 4, `attempts at ${times.join(', ')}`);
  t.same(gaps.slice(0, 4), [5, 10, 20, 30], 'backoff 5, 10, 20, 30 s');
  t.ok(gaps.every((g) => g <= 31), 'never more than the 30 s cap');
  // Once the session holds for longer than the stable time, the backoff starts over.
  b.stop();
  lab.peers.set(`${B.address}>${A.address}`, lab.peer(B, A, { passive: true }));
  lab.peers.get(`${B.address}>${A.address}`)?.start();
  lab.run(40_000);
  t.equal(a.state, State.ESTABLISHED);
  lab.run(120_000, 1000);
  const fresh = lab.peers.get(`${B.address}>${A.address}`);
  fresh?.stop();
  lab.run(1000);
  times.length = 0;
  fresh?.start();
  lab.run(20_000);
  t.equal(a.state, State.ESTABLISHED, 'after a stable session the first retry comes after 5 s, not 30 s');
});

t.test('both dial and each sees the other first (busy speakers): one session comes up at once, no retry', async (t) => {
  for (const order of [[A, B], [B, A]]) {
    const lab = new FakeLab();
    lab.acceptBeforeConnect = true;
    const a = lab.peer(A, B);
    const b = lab.peer(B, A);
    const [first, second] = order[0] === A ? [a, b] : [b, a];
    first.start();
    second.start();
    lab.run(500, 10);
    t.equal(a.state, State.ESTABLISHED, `A Established within 0.5 s (${order[0]?.address} started first)`);
    t.equal(b.state, State.ESTABLISHED, 'B too');
    t.equal(a.counters.flaps + b.counters.flaps, 0, 'without a failed attempt');
    lab.run(30_000, 500);
    t.equal(a.state, State.ESTABLISHED, 'and it stays');
    t.equal(lab.connections.filter((c) => !c.closed).length, 2, 'on one connection');
  }
});

t.test('connection collision: one session survives, initiated by the higher router id', async (t) => {
  const lab = new FakeLab();
  const a = lab.peer(A, B);
  const b = lab.peer(B, A);
  a.start();
  b.start();
  lab.run(5000);
  t.equal(a.state, State.ESTABLISHED);
  t.equal(b.state, State.ESTABLISHED);
  const open = lab.connections.filter((c) => !c.closed);
  t.equal(open.length, 2, 'one connection (two ends) left');
  // B (192.0.2.2) has the higher id: the survivor is the connection B initiated, i.e. A's end is the acceptor.
  t.ok(open.some((c) => c.localAddress === B.address && lab.connections.indexOf(c) % 2 === 0), 'B dialed the surviving connection');
  lab.run(60_000, 500);
  t.equal(a.counters.flaps + b.counters.flaps, 0, 'no flaps afterwards');
  const notes = lab.connections.flatMap((c) => c.sent).map((m) => decodeMessage(m, 0, DEFAULT_CONTEXT)).flatMap((r) => (r.ok && r.value.type === 'notification' ? [describeNotification(r.value.notification)] : []));
  t.ok(notes.every((n) => n === 'Cease/Connection Collision Resolution'), `only collision Ceases: ${notes.join('; ')}`);
});

t.test('a peer whose daemon starts a little later is reached after the short refused-retry, not a full connect-retry time', async (t) => {
  const lab = new FakeLab();
  const a = lab.peer(A, B, { connectRetryTime: 30 });
  lab.refuse.add(B.address);
  a.start();
  lab.run(1500);
  t.equal(a.state, State.ACTIVE, 'refused twice (at 0 and 1 s), waiting 2 s now');
  lab.refuse.delete(B.address);
  const b = lab.peer(B, A, { passive: true });
  b.start();
  lab.run(2000);
  t.equal(a.state, State.ESTABLISHED, 'up 3 s after the first try, where the connect-retry time is 30 s');
  t.equal(b.state, State.ESTABLISHED);
});
