// The BFD state machine (RFC 5880 §6.8.6) as a pure function: every reception transition, the
// detection timeout, timer negotiation with its Poll Sequence (§6.8.3), jitter (§6.8.7), the
// demand bit refused, and the authentication sequence window (§6.7).
import t from 'tap';
import { BfdState, Diag, encodeBfd, decodeBfd, type BfdPacket } from '../../../src/bfd/packet.js';
import { detectionTime, jitter, newSession, outgoing, step, transmitInterval, SLOW_TX_US, type BfdParams, type BfdSession } from '../../../src/bfd/session.js';
import { authSectionLength, signBfd, type AuthConfig } from '../../../src/bfd/auth.js';

const P: BfdParams = { minTx: 100_000, minRx: 100_000, multiplier: 3, auth: null };
const { ADMIN_DOWN, DOWN, INIT, UP } = BfdState;

/** A packet from the peer (discriminator 99) as bytes and decoded, optionally signed. */
function packet(fields: Partial<BfdPacket> & { state: BfdState }, auth: AuthConfig | null = null, seq = 0): { packet: BfdPacket; bytes: Buffer } {
  const f = { diag: 0, poll: false, final: false, cpi: false, detectMult: 3, myDiscr: 99, yourDiscr: 1, desiredMinTx: 100_000, requiredMinRx: 100_000, ...fields };
  const out = Buffer.alloc(64);
  const len = encodeBfd(f, out, auth ? authSectionLength(auth) : 0);
  if (auth) signBfd(out, len, auth, seq);
  if (fields.demand) out[1] = (out[1] as number) | 0x02;
  const bytes = out.subarray(0, len);
  const p = decodeBfd(bytes);
  if (typeof p === 'string') throw new Error(p);
  return { packet: p, bytes };
}

function recv(s: BfdSession, fields: Partial<BfdPacket> & { state: BfdState }, auth: AuthConfig | null = null, seq = 0) {
  return step(s, { type: 'packet', ...packet(fields, auth, seq) });
}

function inState(state: BfdState, params = P): BfdSession {
  let s = newSession(params, 1);
  if (state === DOWN) return s;
  if (state === ADMIN_DOWN) return step(s, { type: 'admin-down' }).session;
  s = recv(s, { state: DOWN, yourDiscr: 0 }).session;
  if (state === INIT) return s;
  return recv(s, { state: UP }).session;
}

t.test('reception transitions (§6.8.6)', async (t) => {
  const cases: [BfdState, BfdState, BfdState, number][] = [
    [DOWN, DOWN, INIT, Diag.NONE],
    [DOWN, INIT, UP, Diag.NONE],
    [DOWN, UP, DOWN, Diag.NONE],
    [DOWN, ADMIN_DOWN, DOWN, Diag.NONE],
    [INIT, DOWN, INIT, Diag.NONE],
    [INIT, INIT, UP, Diag.NONE],
    [INIT, UP, UP, Diag.NONE],
    [INIT, ADMIN_DOWN, DOWN, Diag.NEIGHBOR_DOWN],
    [UP, DOWN, DOWN, Diag.NEIGHBOR_DOWN],
    [UP, INIT, UP, Diag.NONE],
    [UP, UP, UP, Diag.NONE],
    [UP, ADMIN_DOWN, DOWN, Diag.NEIGHBOR_DOWN],
    [ADMIN_DOWN, UP, ADMIN_DOWN, Diag.ADMIN_DOWN],
    [ADMIN_DOWN, DOWN, ADMIN_DOWN, Diag.ADMIN_DOWN],
  ];
  for (const [local, remote, want, diag] of cases) {
    const s = inState(local);
    const r = recv(s, { state: remote, yourDiscr: remote === DOWN || remote === ADMIN_DOWN ? 0 : 1 });
    t.equal(r.session.state, want, `${local} + received ${remote} -> ${want}`);
    if (want !== local) {
      t.equal(r.session.diag, diag, `  diagnostic ${diag}`);
      t.ok(r.actions.some((a) => a.type === 'state-change' && a.from === local && a.to === want), '  state-change reported');
      t.ok(r.actions.some((a) => a.type === 'send-now'), '  a packet goes out at once');
    } else t.notOk(r.actions.some((a) => a.type === 'state-change'), '  no state-change');
  }
});

t.test('detection timeout: Init and Up go Down (diag 1); the remote discriminator is forgotten', async (t) => {
  for (const st of [INIT, UP]) {
    const r = step(inState(st), { type: 'detect-expired' });
    t.equal(r.session.state, DOWN, `${st} -> Down`);
    t.equal(r.session.diag, Diag.DETECTION_EXPIRED);
    t.equal(r.session.remoteDiscr, 0, 'remote discriminator reset');
    t.equal(detectionTime(r.session), 0, 'no detection time until the next packet');
  }
  const down = step(inState(DOWN), { type: 'detect-expired' });
  t.equal(down.session.state, DOWN, 'Down stays Down');
  t.notOk(down.actions.some((a) => a.type === 'state-change'));
});

t.test('timers: at least 1 s while not Up; configured ones once Up, through a Poll Sequence', async (t) => {
  const s0 = newSession(P, 1);
  t.equal(outgoing(s0, false).desiredMinTx, SLOW_TX_US, 'Down: advertises 1 s');
  t.equal(transmitInterval(s0), SLOW_TX_US, 'Down: sends once a second');
  const up = inState(UP);
  t.equal(up.desiredMinTx, 100_000, 'Up: advertises the configured 100 ms');
  t.equal(transmitInterval(up), 100_000, 'a faster TX applies at once');
  t.ok(up.pollActive, 'the change is polled');
  t.ok(outgoing(up, false).poll, 'periodic packets carry P');
  const fin = recv(up, { state: UP, final: true }).session;
  t.notOk(fin.pollActive, 'Final ends the Poll Sequence');
  t.notOk(outgoing(fin, false).poll, 'P no longer set');
  // Slower TX and faster RX wait for the Final (§6.8.3).
  const slower = step(fin, { type: 'configure', params: { ...P, minTx: 500_000, minRx: 50_000 } }).session;
  t.equal(transmitInterval(slower), 100_000, 'a slower TX waits for the Final');
  t.equal(slower.rxInForce, 100_000, 'a faster RX waits for the Final');
  t.equal(outgoing(slower, false).desiredMinTx, 500_000, 'but is advertised at once');
  const done = recv(slower, { state: UP, final: true, desiredMinTx: 100_000, requiredMinRx: 100_000 }).session;
  t.equal(transmitInterval(done), 500_000, 'after the Final: the slower TX');
  t.equal(done.rxInForce, 50_000, 'after the Final: the faster RX');
  t.equal(detectionTime(done), 3 * 100_000, 'detection: remote mult x max(our RX, their TX)');
  const slowerRx = step(done, { type: 'configure', params: { ...P, minTx: 500_000, minRx: 400_000 } }).session;
  t.equal(slowerRx.rxInForce, 400_000, 'a slower RX applies at once');
});

t.test('negotiation: the slower of the two sides; a peer asking for no packets gets none', async (t) => {
  const s = recv(inState(UP), { state: UP, requiredMinRx: 300_000, desiredMinTx: 250_000, detectMult: 5 }).session;
  t.equal(transmitInterval(s), 300_000, 'TX = max(our desired TX, their required RX)');
  t.equal(detectionTime(s), 5 * 250_000, 'detection = their mult x max(our RX, their TX)');
  const quiet = recv(s, { state: UP, requiredMinRx: 0 }).session;
  t.equal(transmitInterval(quiet), 0, 'Required Min RX 0: no periodic packets (§6.8.7)');
});

t.test('a Poll is answered with a Final that does not poll', async (t) => {
  const r = recv(inState(UP), { state: UP, poll: true });
  t.ok(r.actions.some((a) => a.type === 'send-final'), 'send-final asked');
  const o = outgoing(r.session, true);
  t.ok(o.final && !o.poll, 'F set, P clear');
});

t.test('jitter: 75-100% of the interval, 75-90% with a multiplier of 1', async (t) => {
  t.equal(jitter(100_000, 3, 0), 75_000);
  t.ok(jitter(100_000, 3, 0.999999) <= 100_000 && jitter(100_000, 3, 0.999999) > 99_000);
  t.equal(jitter(100_000, 1, 0), 75_000);
  t.ok(jitter(100_000, 1, 0.999999) <= 90_000 && jitter(100_000, 1, 0.999999) > 89_000);
});

t.test('the demand bit is refused: the packet is dropped, nothing changes', async (t) => {
  const s = inState(DOWN);
  const r = recv(s, { state: INIT, demand: true });
  t.equal(r.session, s, 'session unchanged');
  t.same(r.actions, [{ type: 'discard', reason: 'demand' }]);
});

t.test('authentication (§6.7): required both ways, sequence numbers within 3 x Detect Mult', async (t) => {
  const keyed: AuthConfig = { type: 'keyed-sha1', keyId: 1, key: 'k' };
  const meticulous: AuthConfig = { type: 'meticulous-sha1', keyId: 1, key: 'k' };
  const withAuth = (a: AuthConfig) => inState(DOWN, { ...P, auth: a });
  t.same(recv(withAuth(keyed), { state: DOWN, yourDiscr: 0 }).actions, [{ type: 'discard', reason: 'auth-missing' }], 'no A bit while we authenticate');
  t.same(recv(inState(DOWN), { state: DOWN, yourDiscr: 0 }, keyed, 5).actions, [{ type: 'discard', reason: 'auth-unexpected' }], 'an A bit while we do not');
  t.same(recv(withAuth(keyed), { state: DOWN, yourDiscr: 0 }, { ...keyed, key: 'other' }, 5).actions, [{ type: 'discard', reason: 'auth-digest' }], 'wrong key');
  t.same(recv(withAuth(keyed), { state: DOWN, yourDiscr: 0 }, meticulous, 5).actions, [{ type: 'discard', reason: 'auth-type' }], 'wrong type');
  for (const [a, same] of [[keyed, true], [meticulous, false]] as const) {
    let s = recv(withAuth(a), { state: DOWN, yourDiscr: 0 }, a, 1000).session;
    t.same(s.authSeq, { known: true, last: 1000 }, `${a.type}: sequence learned`);
    t.equal(recv(s, { state: DOWN, yourDiscr: 0 }, a, 1000).actions.some((x) => x.type === 'discard'), !same, `${a.type}: the same number ${same ? 'accepted' : 'refused'}`);
    t.notOk(recv(s, { state: DOWN, yourDiscr: 0 }, a, 1009).actions.some((x) => x.type === 'discard'), `${a.type}: +9 (3 x 3) accepted`);
    t.ok(recv(s, { state: DOWN, yourDiscr: 0 }, a, 1010).actions.some((x) => x.type === 'discard'), `${a.type}: +10 refused`);
    t.ok(recv(s, { state: DOWN, yourDiscr: 0 }, a, 999).actions.some((x) => x.type === 'discard'), `${a.type}: going back refused`);
    s = recv(withAuth(a), { state: DOWN, yourDiscr: 0 }, a, 0xffffffff).session;
    t.notOk(recv(s, { state: DOWN, yourDiscr: 0 }, a, 3).actions.some((x) => x.type === 'discard'), `${a.type}: the window wraps at 2^32`);
    // Two silent detection times forget the number: any is accepted again.
    const silent = step(step(s, { type: 'detect-expired' }).session, { type: 'detect-expired' }).session;
    t.notOk(silent.authSeq.known, `${a.type}: forgotten after two silent detection times`);
    t.notOk(recv(silent, { state: DOWN, yourDiscr: 0 }, a, 12345).actions.some((x) => x.type === 'discard'), `${a.type}: then any number is accepted`);
  }
});
