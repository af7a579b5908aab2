/**
 * Algorithmic-complexity attacks (issue 16.9): keyed hashes for prefixes and attribute sets, and a
 * bound on ADD-PATH paths per prefix.
 */
import t from 'tap';
import { hashV4 } from '../../../src/rib/prefix-table.js';
import { keyedHash } from '../../../src/rib/keyed-hash.js';
import { fnv1a } from '../../../src/rib/attr-store.js';
import { MAX_PATHS_PER_PREFIX, Rib } from '../../../src/rib/rib.js';
import { makeContext } from '../../../src/wire/context.js';
import { encodeUpdate, scanUpdate } from '../../../src/wire/update.js';
import { encodeNlri, parsePrefix, type Prefix } from '../../../src/wire/nlri.js';
import { Family } from '../../../src/wire/constants.js';
import { RR, base, ribPeer } from '../../helpers/rib-fixtures.js';

/** The unkeyed prefix hash wren used before: an invertible mix anyone can aim at one bucket. */
const oldHash4 = (addr: number, len: number) => {
  let h = Math.imul(addr ^ (len << 24) ^ len, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
};
const inverse = (c: number) => {
  let x = c;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(c, x));
  return x;
};
/** Addresses whose old /32 hashes all end in 14 zero bits: one bucket of a 16k-slot index. */
function crafted(n: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) {
    let h = (i << 14) >>> 0;
    h ^= h >>> 13;
    h ^= h >>> 26;
    h = Math.imul(h, inverse(0x85ebca6b));
    h ^= h >>> 15;
    h ^= h >>> 30;
    h = Math.imul(h, inverse(0x9e3779b1));
    out.push((h ^ (32 << 24) ^ 32) >>> 0);
  }
  return out;
}

t.test('prefixes crafted to collide under an unkeyed hash spread under the keyed one', async (t) => {
  const addrs = crafted(16_384);
  const mask = 16_384 - 1;
  t.equal(new Set(addrs.map((a) => oldHash4(a, 32) & mask)).size, 1, 'the crafted set is one bucket for the old hash');
  const buckets = new Set(addrs.map((a) => hashV4(a, 32) & mask)).size;
  t.ok(buckets > 9000, `the keyed hash spreads them over ${buckets} of 16384 buckets`);
});

t.test('attribute keys hash with a keyed function, not FNV', async (t) => {
  const keys = Array.from({ length: 20_000 }, (_, i) => Buffer.from(`attr-${i}-${'x'.repeat(i % 37)}`));
  const hashes = new Set(keys.map((k) => keyedHash(k)));
  t.ok(hashes.size >= 19_990, 'practically no collisions among 20,000 keys');
  t.not(keyedHash(keys[0] as Buffer), fnv1a(keys[0] as Buffer));
  t.equal(keyedHash(Buffer.from('abc')), keyedHash(Buffer.from('abc')), 'stable within the process');
  t.not(keyedHash(Buffer.from('abc')), keyedHash(Buffer.from('abd')));
  t.not(keyedHash(Buffer.alloc(0)), keyedHash(Buffer.alloc(1)), 'the length is part of the hash');
});

t.test('ADD-PATH: one peer keeps at most MAX_PATHS_PER_PREFIX paths for one prefix', async (t) => {
  const rib = new Rib(RR);
  const peer = ribPeer(rib, '192.0.2.11', 'ibgp', 11, true);
  const ctx = makeContext({ addPath: 1 << Family.IPV4_UNICAST });
  peer.ctx = ctx;
  const prefix = parsePrefix('198.51.100.0/24') as Prefix;
  const n = 20_000;
  const prefixes = Array.from({ length: 500 }, () => prefix);
  for (let id = 0; id < n; id += 500) {
    const nlri = encodeNlri(prefixes.map((p, i) => ({ ...p, pathId: id + i + 1 })), Family.IPV4_UNICAST, true);
    const buf = encodeUpdate({ attributes: base([], 0xc000020b), nlri }, ctx);
    rib.applyUpdate(peer, scanUpdate(buf, 0, buf.length, ctx));
  }
  t.equal(rib.loc.paths.size, MAX_PATHS_PER_PREFIX, 'paths kept');
  t.equal(peer.received, MAX_PATHS_PER_PREFIX);
  t.equal(peer.pathsRefused, n - MAX_PATHS_PER_PREFIX, 'the rest counted');
  // Replacing a kept path id is still allowed.
  const again = encodeUpdate({ attributes: base([65001], 0xc000020b), nlri: encodeNlri([{ ...prefix, pathId: 1 }], Family.IPV4_UNICAST, true) }, ctx);
  rib.applyUpdate(peer, scanUpdate(again, 0, again.length, ctx));
  t.equal(peer.pathsRefused, n - MAX_PATHS_PER_PREFIX, 'an update of a kept path is not refused');
  await new Promise<void>((r) => rib.peerDown(peer, r));
  t.equal(rib.loc.paths.size, 0, 'teardown leaves nothing');
});
