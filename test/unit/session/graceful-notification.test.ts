/**
 * RFC 8538 between two fake peers: the N bit, graceful restart kept across a hold timer expiry and
 * a NOTIFICATION other than Hard Reset, and the Ceases that end a session for good sent as Hard
 * Reset (both sides then flush), in a session where both set N and in one where only one does.
 */
import t from 'tap';
import { FakeLab, type Node } from '../../helpers/session-pair.js';
import { State } from '../../../src/session/fsm.js';
import { NO_PEER_EVENTS, type PeerEvents } from '../../../src/session/peer.js';
import { decodeMessage } from '../../../src/wire/message.js';
import { DEFAULT_CONTEXT } from '../../../src/wire/context.js';
import { CeaseSubcode } from '../../../src/wire/constants.js';
import { describeNotification, encodeNotification, hardReset, hardResetInner, isHardReset, type NotificationMessage } from '../../../src/wire/notification.js';
import { encodeCapability, decodeCapabilities, type Capability } from '../../../src/wire/capabilities.js';

const A: Node = { address: '192.0.2.1', asn: 64512, routerId: '192.0.2.1' };
const B: Node = { address: '192.0.2.2', asn: 64512, routerId: '192.0.2.2' };

function pair(nA: boolean, nB: boolean) {
  const lab = new FakeLab();
  const downs: Record<'a' | 'b', { notified: boolean; graceful: boolean }[]> = { a: [], b: [] };
  const events = (who: 'a' | 'b'): PeerEvents => ({ ...NO_PEER_EVENTS, down: (_p, _r, notified, graceful) => downs[who].push({ notified, graceful }) });
  const gr = (n: boolean) => ({ gracefulRestart: { restartTime: 120, restarting: false, forwarding: true, notification: n } });
  const a = lab.peer(A, B, {}, events('a'), B.asn, gr(nA));
  const b = lab.peer(B, A, { passive: true }, events('b'), A.asn, gr(nB));
  b.start();
  a.start();
  lab.run(1000);
  return { lab, a, b, downs };
}

function sentNotifications(lab: FakeLab, from: string): NotificationMessage[] {
  const out: NotificationMessage[] = [];
  for (const c of lab.connections.filter((x) => x.localAddress === from)) {
    for (const m of c.sent) {
      const r = decodeMessage(m, 0, DEFAULT_CONTEXT);
      if (r.ok && r.value.type === 'notification') out.push(r.value.notification);
    }
  }
  return out;
}

t.test('the N bit is negotiated only when both sides set it', async (t) => {
  t.equal(pair(true, true).a.params?.gracefulNotification, true);
  t.equal(pair(true, false).a.params?.gracefulNotification, false);
  t.equal(pair(false, true).b.params?.gracefulNotification, false);
  const caps: Capability[] = [{ kind: 'graceful-restart', flags: 0x8 | 0x4, restartTime: 120, families: [{ afi: 1, safi: 1, flags: 0x80 }] }];
  const bytes = encodeCapability(caps[0] as Capability);
  t.equal(bytes.toString('hex'), '4006c0780001018' + '0', 'R and N bits, restart time 120, IPv4 unicast with forwarding');
  const back: Capability[] = [];
  decodeCapabilities(bytes, 0, bytes.length, back);
  t.same(back, caps);
});

t.test('N exchanged: a hold timer expiry keeps graceful restart on both sides', async (t) => {
  const { lab, a, downs } = pair(true, true);
  t.equal(a.state, State.ESTABLISHED);
  const aEnd = lab.connections.find((c) => c.localAddress === A.address && !c.closed);
  if (!aEnd) throw new Error('no connection');
  lab.net.blackholes.add(aEnd);
  lab.run(3100, 50);
  t.equal(a.lastError, 'hold timer expired');
  t.same(downs.a[0], { notified: true, graceful: true }, 'A sent Hold Timer Expired and keeps B\'s routes');
  t.same(sentNotifications(lab, A.address).map((n) => n.code), [4], 'a plain Hold Timer Expired, not a Hard Reset');
});

t.test('N not exchanged: a hold timer expiry ends graceful restart (RFC 4724)', async (t) => {
  const { lab, a, downs } = pair(true, false);
  const aEnd = lab.connections.find((c) => c.localAddress === A.address && !c.closed);
  if (!aEnd) throw new Error('no connection');
  lab.net.blackholes.add(aEnd);
  lab.run(3100, 50);
  t.equal(a.lastError, 'hold timer expired');
  t.same(downs.a[0], { notified: true, graceful: false });
});

t.test('N exchanged: an administrative shutdown goes as Hard Reset and both sides flush; a configuration change stays graceful', async (t) => {
  const { lab, a, b, downs } = pair(true, true);
  a.stop('maintenance');
  lab.run(1000);
  const [sent] = sentNotifications(lab, A.address);
  t.ok(sent && isHardReset(sent), 'Cease/Hard Reset on the wire');
  t.equal(b.lastNotification, 'Cease/Hard Reset (Cease/Administrative Shutdown: maintenance)', 'the peer sees what it stands for');
  t.same(downs.a[0], { notified: true, graceful: false }, 'the sender flushes');
  t.same(downs.b[0], { notified: true, graceful: false }, 'and so does the receiver');
  a.start();
  lab.run(5000);
  t.equal(a.state, State.ESTABLISHED);
  a.stop('timers changed', CeaseSubcode.OTHER_CONFIG_CHANGE);
  lab.run(1000);
  t.equal(b.lastNotification, 'Cease/Other Configuration Change');
  t.same(downs.a[1], { notified: true, graceful: true }, 'Other Configuration Change: the routes stay on both sides');
  t.same(downs.b[1], { notified: true, graceful: true });
});

t.test('N not exchanged: the same shutdown is a plain Cease, and routes go (RFC 4724)', async (t) => {
  const { lab, a, b, downs } = pair(false, true);
  a.stop('maintenance');
  lab.run(1000);
  t.equal(b.lastNotification, 'Cease/Administrative Shutdown: maintenance');
  t.same(downs.b[0], { notified: true, graceful: false });
});

t.test('Hard Reset codec: the wrapped NOTIFICATION as its data (wire vector)', async (t) => {
  const inner: NotificationMessage = { code: 6, subcode: CeaseSubcode.MAX_PREFIXES, data: Buffer.from('00010100000064', 'hex') };
  const hr = hardReset(inner);
  t.equal(encodeNotification(hr).toString('hex'), `${'ff'.repeat(16)}001e03060906010001010000006` + '4');
  t.same(hardResetInner(hr), inner);
  t.equal(describeNotification(hr), 'Cease/Hard Reset (Cease/Maximum Number of Prefixes Reached)');
  t.equal(hardResetInner({ code: 6, subcode: 9, data: Buffer.from([6]) }), null, 'too short to carry one');
});
