import t from 'tap';
import { internetTable, LENGTH_MIX, LENGTH_MIX6 } from '../../../bench/lib/internet-table.js';
import { makeContext } from '../../../src/wire/context.js';
import { scanUpdate } from '../../../src/wire/update.js';
import { NlriCursor } from '../../../src/wire/nlri.js';
import { Family } from '../../../src/wire/constants.js';

// The generated tables: in the address space tests may use, with the length mix asked for, the
// same for the same seed, and every prefix in the UPDATEs exactly once.

const ctx = makeContext({ asn4: true });

function walk(updates: Buffer[]): { prefixes: Set<string>; families: Set<Family>; outside: number } {
  const prefixes = new Set<string>();
  const families = new Set<Family>();
  const c = new NlriCursor();
  let outside = 0;
  for (const u of updates) {
    const m = scanUpdate(u, 0, u.length, ctx);
    for (const b of [m.nlri, m.mpReach?.nlri]) {
      if (!b || b.end === b.start) continue;
      c.reset(b);
      while (c.next()) {
        families.add(c.family);
        const bytes = c.buf.subarray(c.bytesAt, c.bytesAt + ((c.length + 7) >> 3));
        if (c.family === Family.IPV4_UNICAST ? (c.v4 >>> 28) !== 0xf : c.length < 32 || bytes.readUInt32BE(0) !== 0x20010db8) outside++;
        prefixes.add(`${bytes.toString('hex')}/${c.length}`);
      }
    }
  }
  return { prefixes, families, outside };
}

for (const v6 of [false, true]) {
  t.test(v6 ? 'IPv6 table' : 'IPv4 table', async (t) => {
    const spec = { routes: 20_000, sets: 4000, peers: 1, seed: 5, nextHop: 0xc612000a, nextHop6: v6 ? Buffer.from('20010db80000000000000000000f0001', 'hex') : undefined };
    const a = internetTable(spec);
    const feed = a.feeds[0] as { updates: Buffer[]; routes: number };
    const w = walk(feed.updates);
    t.equal(w.outside, 0, v6 ? 'every prefix in 2001:db8::/32' : 'every prefix in 240.0.0.0/4');
    t.same([...w.families], [v6 ? Family.IPV6_UNICAST : Family.IPV4_UNICAST]);
    t.equal(w.prefixes.size, a.prefixes, 'each prefix once');
    t.equal(feed.routes, a.prefixes);
    t.ok(a.attributeSets >= 3500, `${a.attributeSets} attribute sets`);
    const [top, share] = (v6 ? LENGTH_MIX6 : LENGTH_MIX)[0] as [number, number];
    const got = (a.lengths[top] ?? 0) / a.prefixes;
    t.ok(Math.abs(got - share) < 0.03, `/${top}: ${(got * 100).toFixed(1)}% (mix ${share * 100}%)`);
    const b = internetTable(spec);
    t.ok((b.feeds[0] as { updates: Buffer[] }).updates.every((u, i) => u.equals(feed.updates[i] as Buffer)), 'the same for the same seed');
  });
}
