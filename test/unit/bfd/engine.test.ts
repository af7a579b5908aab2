// Two BFD engines wired back to back on a fake clock (no sockets, no sleeps): they come up,
// negotiate, detect a dead path within the detection time, come back, renegotiate without a
// flap, say AdminDown when a session is removed, and drop what is not theirs without effect.
import t from 'tap';
import { FakeClock } from '../../helpers/fake-clock.js';
import { BfdEngine } from '../../../src/bfd/engine.js';
import type { SessionSpec, StateChange } from '../../../src/bfd/messages.js';
import { encodeBfd } from '../../../src/bfd/packet.js';

/** A deterministic random source. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

function pair(specA: Partial<SessionSpec> = {}, specB: Partial<SessionSpec> = {}) {
  const clock = new FakeClock(1_000_000);
  const changes: Record<'a' | 'b', StateChange[]> = { a: [], b: [] };
  let pathUp = true;
  const engines: Record<'a' | 'b', BfdEngine> = {} as Record<'a' | 'b', BfdEngine>;
  const addr = { a: '192.0.2.1', b: '192.0.2.2' };
  for (const side of ['a', 'b'] as const) {
    const other = side === 'a' ? 'b' : 'a';
    engines[side] = new BfdEngine({
      clock,
      random: lcg(side === 'a' ? 7 : 11),
      stateChange: (c) => changes[side].push(c),
      // 1 ms of wire delay; a dark path delivers nothing.
      send: (_peer, multihop, _local, bytes) => {
        if (!pathUp) return;
        const copy = Buffer.from(bytes);
        clock.setTimer(1, () => engines[other].receive(copy, addr[side], multihop));
      },
    });
  }
  const spec = (peer: string, extra: Partial<SessionSpec>): SessionSpec => ({ key: peer, peer, local: '', multihop: false, minTx: 100, minRx: 100, multiplier: 3, auth: null, ...extra });
  engines.a.configure([spec(addr.b, specA)]);
  engines.b.configure([spec(addr.a, specB)]);
  return { clock, engines, changes, spec, addr, setPath: (up: boolean) => (pathUp = up) };
}

t.test('up, negotiated, a dead path detected in time, and back', async (t) => {
  const { clock, engines, changes, setPath } = pair({}, { minRx: 300 });
  clock.advance(3000);
  const a = engines.a.status()[0];
  t.equal(a?.state, 'Up', 'a: Up');
  t.equal(engines.b.status()[0]?.state, 'Up', 'b: Up');
  t.equal(a?.txInterval, 300, 'a sends no faster than b asks (300 ms)');
  t.equal(engines.b.status()[0]?.txInterval, 100, 'b sends every 100 ms');
  t.equal(a?.detectionTime, 300, 'a: detection 3 x 100 ms');
  t.equal(engines.b.status()[0]?.detectionTime, 900, 'b: detection 3 x 300 ms');
  t.same(changes.a.map((c) => c.to), ['Init', 'Up'].slice(changes.a.length === 1 ? 1 : 0), 'a went Up');
  const at = clock.now();
  setPath(false);
  clock.advance(2000);
  const down = changes.a.find((c) => c.to === 'Down');
  t.ok(down, 'a: Down');
  t.equal(down?.reason, 'control detection time expired');
  t.ok(engines.a.status()[0]?.since !== undefined && (engines.a.status()[0]?.since as number) - at <= 300 + 1, `a down within its 300 ms detection time (${(engines.a.status()[0]?.since as number) - at} ms)`);
  t.ok((engines.b.status()[0]?.since as number) - at <= 900 + 1, 'b down within its 900 ms');
  setPath(true);
  clock.advance(5000);
  t.equal(engines.a.status()[0]?.state, 'Up', 'a: Up again');
  t.equal(engines.a.status()[0]?.flaps, 1, 'one flap');
  t.ok((engines.a.status()[0]?.maxTxGap as number) <= 300, `periodic gap within the interval (${engines.a.status()[0]?.maxTxGap} ms)`);
});

t.test('new intervals while Up: a Poll Sequence, no flap', async (t) => {
  const { clock, engines, changes, spec, addr } = pair();
  clock.advance(3000);
  const before = changes.a.length + changes.b.length;
  engines.a.configure([spec(addr.b, { minTx: 50, minRx: 50, multiplier: 5 })]);
  clock.advance(2000);
  t.equal(changes.a.length + changes.b.length, before, 'no state change on either side');
  t.equal(engines.b.status()[0]?.detectionTime, 5 * 100, 'b: detection follows a\'s new multiplier');
  t.equal(engines.a.status()[0]?.txInterval, 100, 'a: TX is max(50, b\'s 100 RX)');
  t.equal(engines.b.status()[0]?.txInterval, 100, 'b: TX is max(its 100, a\'s 50 RX)');
});

t.test('a removed session says AdminDown: the peer goes Down but tells its client not to act', async (t) => {
  const { clock, engines, changes } = pair();
  clock.advance(3000);
  engines.a.configure([]);
  clock.advance(10);
  const last = changes.b.at(-1);
  t.equal(last?.to, 'Down', 'b: Down');
  t.ok(last?.remoteAdminDown, 'b: because a said AdminDown');
  t.same(engines.a.status(), [], 'a has no session');
});

t.test('what is not a session\'s is dropped and counted, and changes nothing', async (t) => {
  const { clock, engines, changes } = pair();
  clock.advance(3000);
  const before = changes.a.length;
  const out = Buffer.alloc(24);
  const a = engines.a.status()[0];
  const fields = { diag: 0, state: 1 as const, poll: false, final: false, cpi: false, detectMult: 3, myDiscr: 5, yourDiscr: 0, desiredMinTx: 100_000, requiredMinRx: 100_000 };
  encodeBfd(fields, out);
  // A stranger's Down packets, a flood of them, from a source with no session.
  for (let i = 0; i < 20_000; i++) engines.a.receive(out, '192.0.2.77', false);
  // Our discriminator, the wrong source.
  encodeBfd({ ...fields, state: 1, yourDiscr: a?.localDiscr as number }, out);
  engines.a.receive(out, '192.0.2.77', false);
  // Our peer's address on the multihop port, with no multihop session.
  engines.a.receive(out, '192.0.2.2', true);
  // A discriminator nobody has.
  encodeBfd({ ...fields, yourDiscr: 424242 }, out);
  engines.a.receive(out, '192.0.2.2', false);
  engines.a.receive(Buffer.from('2040', 'hex'), '192.0.2.2', false);
  clock.advance(1000);
  t.equal(changes.a.length, before, 'no state change');
  t.equal(engines.a.status()[0]?.state, 'Up', 'still Up');
  t.same(engines.a.counters.dropped, { 'no-session': 20_000, 'wrong-source': 2, 'unknown-discriminator': 1, short: 1 }, 'each counted by reason');
});

t.test('mismatched authentication never comes up, and says why', async (t) => {
  const { clock, engines } = pair({ auth: { type: 'keyed-sha1', keyId: 1, key: 'one' } }, { auth: { type: 'keyed-sha1', keyId: 1, key: 'two' } });
  clock.advance(5000);
  t.equal(engines.a.status()[0]?.state, 'Down');
  t.ok((engines.a.counters.dropped['auth-digest'] ?? 0) > 0, 'drops counted as auth-digest');
  t.match(engines.a.status()[0]?.lastError, /auth-digest/);
  const good = pair({ auth: { type: 'meticulous-sha1', keyId: 3, key: 'same' } }, { auth: { type: 'meticulous-sha1', keyId: 3, key: 'same' } });
  good.clock.advance(5000);
  t.equal(good.engines.a.status()[0]?.state, 'Up', 'the same key: Up');
  t.ok(good.engines.a.status()[0]?.authenticated);
});
