/**
 * RFC 4724 §4.2 done right (issue 16.4): while a graceful-restart session is Established, a new
 * connection from the peer's address replaces it only once that connection sends a valid OPEN.
 * A bare connection (any process on the peer's host) leaves the session alone and is closed when
 * it has sent no OPEN in time.
 */
import t from 'tap';
import { FakeLab, type Node } from '../../helpers/session-pair.js';
import { State } from '../../../src/session/fsm.js';
import { CANDIDATE_OPEN_SECONDS, NO_PEER_EVENTS, RESTART_CONFIRM_MS, type PeerEvents } from '../../../src/session/peer.js';
import { localOpen, type LocalSpeaker } from '../../../src/session/negotiate.js';
import { encodeOpen } from '../../../src/wire/open.js';
import { encodeKeepalive } from '../../../src/wire/keepalive.js';
import { encodeNotification } from '../../../src/wire/notification.js';
import { decodeMessage } from '../../../src/wire/message.js';
import { DEFAULT_CONTEXT } from '../../../src/wire/context.js';
import { Family } from '../../../src/wire/constants.js';
import { parseIpv4 } from '../../../src/wire/address.js';

const A: Node = { address: '192.0.2.1', asn: 64512, routerId: '192.0.2.1' };
const B: Node = { address: '192.0.2.2', asn: 64512, routerId: '192.0.2.2' };
const GR: Partial<LocalSpeaker> = { gracefulRestart: { restartTime: 120, restarting: false, forwarding: true } };
const bSpeaker: LocalSpeaker = {
  asn: B.asn, routerId: parseIpv4(B.routerId), holdTime: 3, families: 1 << Family.IPV4_UNICAST, addPathReceive: 0, addPathSend: 0, hostname: '', extendedMessage: false,
  gracefulRestart: { restartTime: 120, restarting: true, forwarding: true },
};

function grPair() {
  const lab = new FakeLab();
  const downs: { reason: string; notified: boolean }[] = [];
  const events: PeerEvents = { ...NO_PEER_EVENTS, down: (_p, reason, notified) => downs.push({ reason, notified }) };
  const a = lab.peer(A, B, {}, events, B.asn, GR);
  const b = lab.peer(B, A, { passive: true }, undefined, A.asn, GR);
  b.start();
  a.start();
  lab.run(1000);
  return { lab, a, b, downs };
}

t.test('a bare connection from the peer address does not reset an Established GR session', async (t) => {
  const { lab, a, downs } = grPair();
  t.equal(a.state, State.ESTABLISHED);
  t.ok(a.params?.peerGracefulRestart, 'both sides negotiated graceful restart');
  const flaps = a.counters.flaps;
  for (let i = 0; i < 5; i++) {
    const [rogue, towardsA] = lab.net.pair(B.address, A.address);
    a.offerInbound(towardsA);
    lab.run(1000);
    t.equal(a.state, State.ESTABLISHED, `still Established after bare connection ${i + 1}`);
    t.equal(rogue.sent.length, 0);
    // Nothing was sent to the bare connection before it spoke.
    t.equal(towardsA.sent.length, 0, 'no OPEN sent to a connection that has not sent one');
    lab.run(CANDIDATE_OPEN_SECONDS * 1000);
    t.ok(towardsA.closed, 'closed once it sent no OPEN in time');
  }
  t.equal(a.counters.flaps, flaps, 'no flap');
  t.equal(downs.length, 0, 'no session went down');
});

/** The old B went silent (its host restarted: nothing more arrives on the old connection). */
function silenceOld(lab: FakeLab) {
  const old = lab.connections.find((c) => c.localAddress === A.address && !c.closed);
  if (old) lab.net.blackholes.add(old);
  return old;
}

t.test('a new connection with a valid OPEN is the restarted peer: the old session ends without NOTIFICATION', async (t) => {
  const { lab, a, downs } = grPair();
  const old = silenceOld(lab);
  const [restarted, towardsA] = lab.net.pair(B.address, A.address);
  a.offerInbound(towardsA);
  lab.run(500);
  t.equal(a.state, State.ESTABLISHED, 'waiting for an OPEN');
  const opensBefore = a.messagesByType.in[1] as number;
  restarted.write(encodeOpen(localOpen(bSpeaker)));
  lab.run(RESTART_CONFIRM_MS + 100, 10);
  t.equal(a.messagesByType.in[1], opensBefore + 1, "the new connection's OPEN is counted as received");
  t.ok(old?.closed, 'the old connection is closed');
  t.same(downs, [{ reason: 'peer restarted (new connection while Established)', notified: false }], 'down without NOTIFICATION: routes kept as stale');
  const types = towardsA.sent.map((m) => {
    const r = decodeMessage(m, 0, DEFAULT_CONTEXT);
    return r.ok ? r.value.type : 'bad';
  });
  t.same(types, ['open', 'keepalive'], 'our OPEN and KEEPALIVE on the new connection, once each');
  restarted.write(encodeKeepalive());
  lab.run(100, 10);
  t.equal(a.state, State.ESTABLISHED, 'the new session is Established');
});

t.test('after the swap, several messages in one chunk are each read once', async (t) => {
  const { lab, a } = grPair();
  silenceOld(lab);
  const [restarted, towardsA] = lab.net.pair(B.address, A.address);
  a.offerInbound(towardsA);
  restarted.write(encodeOpen(localOpen(bSpeaker)));
  lab.run(RESTART_CONFIRM_MS + 100, 10);
  restarted.write(Buffer.concat([encodeKeepalive(), encodeKeepalive(), encodeKeepalive()]));
  lab.run(100, 10);
  t.equal(a.state, State.ESTABLISHED);
  const before = a.counters.messagesIn;
  restarted.write(Buffer.concat([encodeKeepalive(), encodeKeepalive()]));
  lab.run(100, 10);
  t.equal(a.counters.messagesIn - before, 2, 'two messages in a chunk count as two, not more, not fewer');
  t.equal(a.state, State.ESTABLISHED, 'and the stream stays in step');
});

t.test('an OPEN on a new connection while the old session still speaks is a late collision: the session stays', async (t) => {
  const { lab, a, downs } = grPair();
  const old = lab.connections.find((c) => c.localAddress === A.address && !c.closed);
  const [late, towardsA] = lab.net.pair(B.address, A.address);
  a.offerInbound(towardsA);
  // B chose the other connection: its OPEN here is followed by Cease / Connection Collision.
  late.write(encodeOpen(localOpen(bSpeaker)));
  late.write(encodeNotification({ code: 6, subcode: 7, data: Buffer.alloc(0) }));
  lab.run(RESTART_CONFIRM_MS * 4, 10);
  t.equal(a.state, State.ESTABLISHED, 'still Established');
  t.notOk(old?.closed, 'on the old connection');
  t.same(downs, [], 'the session never went down');
  t.ok(towardsA.closed, 'the late connection is closed');
  t.same(towardsA.sent, [], 'without a word on it (the peer closed it)');
});

t.test('a new connection whose OPEN is followed by nothing while the old session speaks is not a restart', async (t) => {
  const { lab, a, downs } = grPair();
  const [late, towardsA] = lab.net.pair(B.address, A.address);
  a.offerInbound(towardsA);
  late.write(encodeOpen(localOpen(bSpeaker)));
  lab.run(10, 10);
  // B's next KEEPALIVE on the session arrives within the confirm time (hold 3 s: one a second).
  lab.peers.get(`${B.address}>${A.address}`)?.sendRaw(encodeKeepalive());
  lab.run(RESTART_CONFIRM_MS * 4, 10);
  t.equal(a.state, State.ESTABLISHED);
  t.same(downs, [], 'the session never went down');
  t.ok(towardsA.closed, 'the late connection is closed');
});

t.test('the restarted peer whose old connection then resets carries on at once', async (t) => {
  const { lab, a, downs } = grPair();
  const old = silenceOld(lab);
  const [restarted, towardsA] = lab.net.pair(B.address, A.address);
  a.offerInbound(towardsA);
  restarted.write(encodeOpen(localOpen(bSpeaker)));
  lab.run(50, 10);
  t.equal(a.state, State.ESTABLISHED, 'the old session is being asked');
  old?.other?.destroy(); // the probe KEEPALIVE met a reset
  lab.run(50, 10);
  t.equal(downs.length, 1, 'the old session ended');
  t.ok(a.state === State.OPEN_CONFIRM || a.state === State.OPEN_SENT, `the new connection carries on before the confirm time (${a.state})`);
  restarted.write(encodeKeepalive());
  lab.run(100, 10);
  t.equal(a.state, State.ESTABLISHED);
});

t.test('a disposed peer never starts again (a late prefix-limit restart timer)', async (t) => {
  const { lab, a } = grPair();
  a.stop('maximum number of prefixes exceeded');
  a.dispose();
  a.start();
  lab.run(10_000);
  t.equal(a.state, State.IDLE);
  t.equal(a.enabled, false);
});
