/**
 * RFC 4724 §4.2 done right (issue 16.4): while a graceful-restart session is Established, a new
 * connection from the peer's address replaces it only once that connection sends a valid OPEN.
 * A bare connection (any process on the peer's host) leaves the session alone and is closed when
 * it has sent no OPEN in time.
 */
import t from 'tap';
import { FakeLab, type Node } from '../../helpers/session-pair.js';
import { State } from '../../../src/session/fsm.js';
import { CANDIDATE_OPEN_SECONDS, NO_PEER_EVENTS, type PeerEvents } from '../../../src/session/peer.js';
import { localOpen, type LocalSpeaker } from '../../../src/session/negotiate.js';
import { encodeOpen } from '../../../src/wire/open.js';
import { encodeKeepalive } from '../../../src/wire/keepalive.js';
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

t.test('a new connection with a valid OPEN is the restarted peer: the old session ends without NOTIFICATION', async (t) => {
  const { lab, a, downs } = grPair();
  const old = lab.connections.find((c) => c.localAddress === A.address && !c.closed);
  const [restarted, towardsA] = lab.net.pair(B.address, A.address);
  a.offerInbound(towardsA);
  lab.run(500);
  t.equal(a.state, State.ESTABLISHED, 'waiting for an OPEN');
  restarted.write(encodeOpen(localOpen(bSpeaker)));
  lab.run(100, 10);
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
  const [restarted, towardsA] = lab.net.pair(B.address, A.address);
  a.offerInbound(towardsA);
  restarted.write(encodeOpen(localOpen(bSpeaker)));
  lab.run(100, 10);
  restarted.write(Buffer.concat([encodeKeepalive(), encodeKeepalive(), encodeKeepalive()]));
  lab.run(100, 10);
  t.equal(a.state, State.ESTABLISHED);
  const before = a.counters.messagesIn;
  restarted.write(Buffer.concat([encodeKeepalive(), encodeKeepalive()]));
  lab.run(100, 10);
  t.equal(a.counters.messagesIn - before, 2, 'two messages in a chunk count as two, not more, not fewer');
  t.equal(a.state, State.ESTABLISHED, 'and the stream stays in step');
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
