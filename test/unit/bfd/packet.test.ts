// BFD Control packets: captured BIRD 2 and FRR packets decode to what their JSON says, our
// encoder's bytes decode back, and every malformation of RFC 5880 §6.8.6 is refused by name.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BfdState, decodeBfd, encodeBfd, type BfdPacket } from '../../../src/bfd/packet.js';
import { checkAuth, signBfd, authSectionLength, type AuthConfig } from '../../../src/bfd/auth.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'bfd');

interface Fixture {
  name: string;
  bytes: Buffer;
  json: { packet: Omit<BfdPacket, 'auth'>; auth: (AuthConfig & { seq: number }) | null };
}

const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.hex'))
  .sort()
  .map((f) => ({ name: f.slice(0, -4), bytes: Buffer.from(readFileSync(join(DIR, f), 'utf8').trim(), 'hex'), json: JSON.parse(readFileSync(join(DIR, f.replace('.hex', '.json')), 'utf8')) as Fixture['json'] }));

t.ok(fixtures.length >= 5, 'fixtures found');

for (const f of fixtures) {
  t.test(f.name, async (t) => {
    const p = decodeBfd(f.bytes);
    if (typeof p === 'string') return t.fail(`decode: ${p}`);
    const { auth, ...fields } = p;
    t.same(fields, f.json.packet, 'decoded fields');
    t.equal(auth !== null, f.json.auth !== null, 'authentication section present as expected');
    if (!f.json.auth) return;
    const a: AuthConfig = { type: f.json.auth.type, keyId: f.json.auth.keyId, key: f.json.auth.key };
    const seq = checkAuth(f.bytes, f.bytes.length, a, { known: false, last: 0 }, p.detectMult);
    t.equal(seq, f.json.auth.seq, 'the peer\'s digest verifies with the shared key');
    t.equal(checkAuth(f.bytes, f.bytes.length, { ...a, key: 'wrong-key' }, { known: false, last: 0 }, 3), a.type === 'simple' ? 'auth-key' : 'auth-digest', 'a wrong key is refused');
    t.equal(checkAuth(f.bytes, f.bytes.length, { ...a, keyId: a.keyId + 1 }, { known: false, last: 0 }, 3), 'auth-key', 'a wrong key ID is refused');
    // Our signer, on the same fields and sequence number, writes the peer's bytes exactly.
    const out = Buffer.alloc(64);
    const len = encodeBfd({ ...f.json.packet, state: f.json.packet.state as BfdState }, out, authSectionLength(a));
    signBfd(out, len, a, f.json.auth.seq);
    t.equal(out.subarray(0, len).toString('hex'), f.bytes.toString('hex'), 'signBfd reproduces the captured packet');
    if (a.type !== 'simple') {
      const flipped = Buffer.from(f.bytes);
      flipped[16] = (flipped[16] as number) ^ 1;
      t.equal(checkAuth(flipped, flipped.length, a, { known: false, last: 0 }, 3), 'auth-digest', 'one flipped bit fails the digest');
    }
  });
}

t.test('our encoding decodes back (no auth)', async (t) => {
  const out = Buffer.alloc(24);
  const fields = { diag: 3, state: BfdState.UP, poll: true, final: false, cpi: false, detectMult: 5, myDiscr: 0xdeadbeef, yourDiscr: 7, desiredMinTx: 300000, requiredMinRx: 250000 };
  t.equal(encodeBfd(fields, out), 24);
  t.equal(out.toString('hex'), '23e00518deadbeef00000007000493e00003d09000000000', 'bytes');
  t.same(decodeBfd(out), { ...fields, demand: false, requiredMinEchoRx: 0, auth: null });
});

t.test('malformed packets are refused, each by its reason (§6.8.6)', async (t) => {
  const good = Buffer.from('20400318e171c7b400000000000f4240000f42400000c350', 'hex');
  const mut = (f: (b: Buffer) => void, len = good.length) => {
    const b = Buffer.from(good.subarray(0, len));
    f(b);
    return decodeBfd(b);
  };
  t.equal(mut(() => undefined, 23), 'short', 'fewer than 24 bytes');
  t.equal(mut((b) => (b[0] = 0x40)), 'version', 'version 2');
  t.equal(mut((b) => (b[0] = 0x00)), 'version', 'version 0');
  t.equal(mut((b) => (b[3] = 23)), 'length', 'length field below 24');
  t.equal(mut((b) => (b[3] = 40)), 'length', 'length field beyond the payload');
  t.equal(mut((b) => (b[2] = 0)), 'multiplier', 'detect multiplier 0');
  t.equal(mut((b) => (b[1] = (b[1] as number) | 0x01)), 'multipoint', 'multipoint bit');
  t.equal(mut((b) => b.writeUInt32BE(0, 4)), 'discriminator', 'my discriminator 0');
  t.equal(mut((b) => (b[1] = 0xc0)), 'discriminator', 'state Up with your discriminator 0');
  t.equal(mut((b) => (b[1] = (b[1] as number) | 0x04)), 'length', 'A bit with a 24-byte packet');
  const withAuth = Buffer.concat([good, Buffer.from([4, 40, 1, 0])]);
  withAuth[1] = (withAuth[1] as number) | 0x04;
  withAuth[3] = 28;
  t.equal(decodeBfd(withAuth), 'auth-length', 'auth length beyond the packet');
  // Every truncation and every single-byte value at every offset: never a throw.
  let decoded = 0;
  for (let len = 0; len <= good.length; len++) for (let i = 0; i < Math.min(len, 8); i++) for (let v = 0; v < 256; v += 17) {
    const b = Buffer.from(good.subarray(0, len));
    b[i] = v;
    decodeBfd(b);
    decoded++;
  }
  t.ok(decoded > 1000, `${decoded} mutations decoded without throwing`);
});
